# Bosphorus for CM-CNN (Ni et al., Sec. IV-A): the six E_* emotion scans
# (.bnt) with their 2-D images (.png); 60 subjects drawn at random, ten
# subject-exclusive folds ("Protocol I as used in evaluating the BU-3DFE":
# 60 x 6 = 360 samples). The same face pipeline as BU-3DFE. Depth images
# are fitted once from the .bnt point grids:
#   python tools/dataset_converters/scans_to_depth.py --dataset bosphorus \
#       data/Bosphorus data/Bosphorus_depth
_base_ = ['./bu3dfe_cmcnn_148px.py']

dataset_type = 'BosphorusDataset'
data_root = 'data/Bosphorus'
depth_root = 'data/Bosphorus_depth'
fold_protocol = dict(
    type='RandomSubjectKFold', num_folds=10, seed=0, num_subjects=60)

# No fixed held-out subjects: a plain tools/train.py run validates on the
# training subjects; evaluate with tools/misc/run_folds.py (every fold is
# subject-exclusive; `--folds 1` for one).
_dataset = dict(
    _delete_=True,
    type=dataset_type,
    data_root=data_root,
    depth_root=depth_root,
    # subjects lacking one of the six emotions are left out (so that every
    # fold holds 6 samples per subject)
    require_all_expressions=True,
    modalities=('rgb', 'depth'))
train_dataloader = dict(
    dataset=dict(**_dataset, pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(**_dataset, pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
