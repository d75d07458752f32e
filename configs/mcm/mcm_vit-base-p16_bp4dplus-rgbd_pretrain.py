# Table 4 "CM: VD": MCM pre-training on BP4D+ RGB + Depth only (C = 4, one
# channel dropped per patch; RGB and Depth decoders).
_base_ = ['./mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py']

modalities = ('rgb', 'depth')
model = dict(
    modalities=modalities,
    data_preprocessor=dict(mean=[114.495] * 4, std=[57.63] * 4))

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
train_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=train_pipeline))
