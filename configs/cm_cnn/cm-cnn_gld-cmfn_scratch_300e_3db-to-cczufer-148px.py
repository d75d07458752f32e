# CM-CNN's generalisation test (Sec. IV-A, Fig. 6d): train on VT-KFER +
# BU-3DFE (P1) + Bosphorus, test on CCZU-FER, six classes:
#   python tools/misc/run_folds.py configs/cm_cnn/cm-cnn_gld-cmfn_scratch_300e_3db-to-cczufer-148px.py --folds 4 --confusion-matrix
_base_ = [
    '../_base_/models/cm_cnn_gld.py',
    '../_base_/datasets/cmcnn_3db-to-cczufer_148px.py',
    '../_base_/schedules/cm_cnn_sgd_300e.py',
    '../_base_/default_runtime.py',
]
