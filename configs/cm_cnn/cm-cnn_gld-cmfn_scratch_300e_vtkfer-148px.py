# CM-CNN on VT-KFER (Kinect RGB + aligned depth, 7 expressions, ten
# subject-exclusive folds):
#   python tools/misc/run_folds.py configs/cm_cnn/cm-cnn_gld-cmfn_scratch_300e_vtkfer-148px.py --confusion-matrix
_base_ = [
    '../_base_/models/cm_cnn_gld.py',
    '../_base_/datasets/vtkfer_cmcnn_148px.py',
    '../_base_/schedules/cm_cnn_sgd_300e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=7))
