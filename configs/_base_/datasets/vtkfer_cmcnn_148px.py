# VT-KFER for CM-CNN (Ni et al., Sec. IV-A): Kinect RGB frames with aligned
# depth (uint16 millimetres), read as an RGB-D folder (no public layout
# exists; see VTKFERDataset's docstring and docs/datasets/3d_datasets.md for
# the expected folders and how to pass other name patterns); ten
# subject-exclusive folds over every subject. The same face pipeline as
# BU-3DFE; LoadFaceModalities decodes the Kinect depth PNGs by the
# `depth_codec` ('uint16_mm') the dataset puts on each sample.
_base_ = ['./bu3dfe_cmcnn_148px.py']

dataset_type = 'VTKFERDataset'
data_root = 'data/VT-KFER'
fold_protocol = dict(type='RandomSubjectKFold', num_folds=10, seed=0)

# No fixed held-out subjects: a plain tools/train.py run validates on the
# training subjects; evaluate with tools/misc/run_folds.py (every fold is
# subject-exclusive; `--folds 1` for one).
_dataset = dict(_delete_=True, type=dataset_type, data_root=data_root)
train_dataloader = dict(
    dataset=dict(**_dataset, pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(**_dataset, pipeline=_base_.test_pipeline))
test_dataloader = val_dataloader
