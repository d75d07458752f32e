# The random-masking ("MAE") counterpart of EMPD's pre-training stage 1
# (empd_vit-base-p16_esgm-warmup_20e_celebamask-hq_pretrain.py): the same
# encoder start (MAE's ImageNet-1K weights), data (CelebAMask-HQ, 224 x
# 224), schedule (20 epochs) and mask ratio (0.2), with uniform random
# masking (SpatialMask) in place of ESGM. It is the pre-training of the
# "Baseline (MAE + ResNet18)" rows (Tables I-IV) and of Table IV's
# "PDED without ESGM". No face parsing is loaded: random masking needs none,
# and the loss is L_rec (Eq. 7) alone.
#   python tools/train.py configs/empd/empd_vit-base-p16_mae_20e_celebamask-hq_pretrain.py
# Stage 2: configs/empd/empd_vit-base-p16_mae_350e_celeba-ffhq-casia_pretrain.py
#
# Mask ratio: the same 0.2 as ESGM, so that only *which* patches are masked
# differs (MAE's own 0.75: --cfg-options
# model.backbone.mask_generator.mask_ratio=0.75). SpatialMask keeps
# int(N_p * 0.8) = 156 of 196 patches, i.e. masks 40 where Eq. 4 masks
# floor(0.2 * 196) = 39.
_base_ = ['./empd_vit-base-p16_esgm-warmup_20e_celebamask-hq_pretrain.py']

model = dict(
    backbone=dict(
        mask_generator=dict(_delete_=True, type='SpatialMask',
                            mask_ratio=0.2)))

img_size = 224
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# MaskVisualizationHook draws ESGM's omega / attention: not for SpatialMask
custom_hooks = [dict(type='RandomStateHook')]
