# ESGM (EMPD, Sec. III-A) inside MCM's RGB + Depth + Thermal pre-training:
# the tiny MCM SynthFace recipe with its random SpatialMask swapped for the
# parsing-supervised, expression-aware mask generator. Channel-Mixing, the
# three decoders and Eq. 3 are unchanged; the loss adds ESGM's loss_mask
# (EMPD Eq. 6, lambda_1 = 1):
#   python tools/train.py projects/esgm_mcm/configs/esgm-mcm_vit-tiny-p8_synthface-rgbdt-parsing_pretrain.py
# See projects/esgm_mcm/README.md.
_base_ = [
    '../../../configs/mcm/mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_pretrain.py'
]

model = dict(
    backbone=dict(
        mask_generator=dict(
            _delete_=True,
            type='ESGM',
            # MCM's ratio (supp. Fig. 1b), so that only *which* patches are
            # masked changes against the SpatialMask run, not how many
            mask_ratio=0.5,
            embed_dims=96,
            num_heads=3,
            mlp_hidden=96,
            num_patches=64,
            patch_size=8,
            parsing_vocabulary='synthface',
            loss_weight=1.0)))

# The SynthFace BP4D+ layout of the base has no parsing maps (nor does
# BP4D+), which would leave ESGM unsupervised (loss_mask = 0). SynthFace's
# native layout renders RGB, depth, thermal and parsing of every sample:
# 12 subjects x 24 lab images at 64 x 64, cached in data/synthface_esgm_mcm_64.
modalities = ('rgb', 'depth', 'thermal')
img_size = 64
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(type='LoadParsingMap', num_classes=12),
    # crops and flips gt_seg_map with the image (nearest), so the parsing
    # stays aligned with the patches ESGM scores
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    dict(
        type='mmpretrain.RandomFlip',
        prob=0.5,
        direction='horizontal',
        swap_seg_labels=[(2, 3), (4, 5)]),  # SynthFace left/right brows, eyes
    dict(type='PackFERInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='SynthFaceDataset',
        data_root='data/synthface_esgm_mcm_64',
        split='train',
        auto_generate=dict(
            subjects=12, samples=24, size=img_size, seed=1000,
            domains=['lab']),
        pipeline=train_pipeline))

custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='MCMReconstructionHook', interval=20, num_samples=4),
    dict(type='MaskVisualizationHook', interval=20, num_samples=4),
]
