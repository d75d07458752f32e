# Table 4 "CM: X" baseline: plain MAE on BP4D+ RGB (no Channel-Mixing, RGB
# decoder only). Also the recipe for RGB-only data such as DISFA (Sec. 4.5.1:
# "our pre-training process utilizes only RGB images").
_base_ = ['./mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py']

modalities = ('rgb', )
model = dict(
    modalities=modalities,
    channel_mixing=None,
    data_preprocessor=dict(mean=[114.495] * 3, std=[57.63] * 3))

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
