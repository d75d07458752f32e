# The random-masking ("MAE") counterpart of the CPU-sized ESGM pre-training
# on SynthFace (empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py): the same
# 12-block, 96-wide ViT on 8 x 8 patches, data (64 x 64, lab / wild /
# lowres renders), 40 epochs and mask ratio 0.2, with uniform random
# masking (SpatialMask) instead of ESGM, so L_rec (Eq. 7) alone. Its
# epoch_40.pth initialises the "MAE" rows of the SynthFace Table IV
# (configs/empd/ablations/empd_vit-tiny-p8-pded*_mae-pre_16e_synthface-lab-64px.py):
#   python tools/train.py configs/empd/empd_vit-tiny-p8_mae_synthface-64px_pretrain.py
# SpatialMask masks 64 - int(64 * 0.8) = 13 patches where ESGM's Eq. 4
# masks floor(0.2 * 64) = 12.
_base_ = ['./empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py']

model = dict(
    backbone=dict(
        mask_generator=dict(_delete_=True, type='SpatialMask',
                            mask_ratio=0.2)))
img_size = 64
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
custom_hooks = [dict(type='RandomStateHook')]
