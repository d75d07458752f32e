# CM-CNN (Ni et al., "Facial Expression Recognition Through Cross-Modality
# Attention Fusion", IEEE TCDS 2023): gray + LBP + depth, one FEN each,
# cross-modality attention fusion (CMFN), soft-label focal loss; BU-3DFE P1
# (level-4 expressions of 60 subjects), 148 x 148, SGD 300 epochs.
# One fold:
#   python tools/train.py configs/cm_cnn/cm-cnn_gld-cmfn_scratch_300e_bu3dfe-p1-148px.py
# The paper's ten subject-exclusive folds (mean +- std, confusion matrix):
#   python tools/misc/run_folds.py configs/cm_cnn/cm-cnn_gld-cmfn_scratch_300e_bu3dfe-p1-148px.py --confusion-matrix
# Depth images first: python tools/dataset_converters/scans_to_depth.py
#   --dataset bu3dfe data/BU3DFE data/BU3DFE_depth
_base_ = [
    '../_base_/models/cm_cnn_gld.py',
    '../_base_/datasets/bu3dfe_cmcnn_148px.py',
    '../_base_/schedules/cm_cnn_sgd_300e.py',
    '../_base_/default_runtime.py',
]
