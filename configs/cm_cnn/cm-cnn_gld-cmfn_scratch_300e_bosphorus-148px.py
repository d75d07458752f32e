# CM-CNN on Bosphorus (60 random subjects x six E_* emotions, ten
# subject-exclusive folds):
#   python tools/dataset_converters/scans_to_depth.py --dataset bosphorus data/Bosphorus data/Bosphorus_depth
#   python tools/misc/run_folds.py configs/cm_cnn/cm-cnn_gld-cmfn_scratch_300e_bosphorus-148px.py --confusion-matrix
_base_ = [
    '../_base_/models/cm_cnn_gld.py',
    '../_base_/datasets/bosphorus_cmcnn_148px.py',
    '../_base_/schedules/cm_cnn_sgd_300e.py',
    '../_base_/default_runtime.py',
]
