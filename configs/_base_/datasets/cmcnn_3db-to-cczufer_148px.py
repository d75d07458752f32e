# CM-CNN's generalisation test (Sec. IV-A): train on VT-KFER + BU-3DFE +
# Bosphorus, test on CCZU-FER, through the fold runner's leave-one-dataset-
# out protocol; fold 4 is the one the paper reports (Fig. 6d):
#   python tools/misc/run_folds.py CONFIG --folds 4
# (folds 1-3 leave out each of the other databases in turn). One label
# space for all four: BU-3DFE's six classes by name; the neutral samples of
# VT-KFER and CCZU-FER are dropped (their count is logged).
_base_ = ['./bu3dfe_cmcnn_148px.py']

_space = dict(label_space='bu3dfe', unmapped='drop')
fold_protocol = dict(
    _delete_=True,
    type='LeaveOneDatasetOut',
    datasets=dict(
        vtkfer=dict(type='VTKFERDataset', data_root='data/VT-KFER',
                    **_space),
        bu3dfe=dict(type='BU3DFEDataset', data_root='data/BU3DFE',
                    depth_root='data/BU3DFE_depth', protocol='cmcnn-p1',
                    modalities=('rgb', 'depth'), **_space),
        bosphorus=dict(type='BosphorusDataset', data_root='data/Bosphorus',
                       depth_root='data/Bosphorus_depth',
                       modalities=('rgb', 'depth'), **_space),
        cczufer=dict(type='CCZUFERDataset', data_root='data/CCZU-FER',
                     **_space)))
# a single `tools/train.py` run (no fold runner): the paper's split
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(fold_protocol['datasets'][k], pipeline=_base_.train_pipeline)
            for k in ('vtkfer', 'bu3dfe', 'bosphorus')
        ]))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        **fold_protocol['datasets']['cczufer'],
        pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
