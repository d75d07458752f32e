# MCM AU detection on BP4D, Depth input replicated to 3 channels (Table 1
# "MCM Depth", Sec. 4.4.1).
_base_ = ['./vit-b_bp4d_rgb.py']

modalities = ('depth', )
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities, depth_as_rgb=True),
    dict(type='mmpretrain.Resize', scale=224),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities, depth_as_rgb=True),
    dict(type='mmpretrain.Resize', scale=224),
    dict(type='PackFERInputs'),
]
train_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=test_pipeline))
test_dataloader = val_dataloader
