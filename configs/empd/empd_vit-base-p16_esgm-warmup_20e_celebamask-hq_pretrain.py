# EMPD pre-training, stage 1 (Sec. IV-A): 20 epochs on CelebAMask-HQ, whose
# face-parsing masks supervise ESGM (L_mask, Eq. 6), "aiming to get an
# attention block with finely annotated face parsing segmentation". MAE on
# 224 x 224 RGB, mask ratio 0.2, L_pt = L_rec + L_mask (Eq. 8), logged as
# loss_rgb and loss_mask.
#
# The encoder starts from MAE's ImageNet-1K weights ("we first utilize the
# MAE pretrained on ImageNet-1K as the backbone"), converted once with
#   python tools/model_converters/mae2mmfer.py mae_pretrain_vit_base.pth \
#       checkpoints/mae_pretrain_vit_base_mmfer.pth
# (the decoder and ESGM start from scratch; or start everything from
# scratch: --cfg-options model.backbone.init_cfg=None). Then
#   python tools/train.py configs/empd/empd_vit-base-p16_esgm-warmup_20e_celebamask-hq_pretrain.py
# Stage 2 loads its last checkpoint:
#   configs/empd/empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_pretrain.py
_base_ = [
    '../_base_/models/empd_mae_vit-base-p16.py',
    '../_base_/schedules/empd_pretrain_20e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/mae_pretrain_vit_base_mmfer.pth',
            prefix='backbone.')))

img_size = 224
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    # merges the per-part masks in the official order (19 classes) and
    # resizes the 512 x 512 map to the 1024 x 1024 image (nearest)
    dict(type='LoadParsingMap', num_classes=19),
    # mmfer's RandomResizedCrop cuts the same box from gt_seg_map (nearest)
    # so that the parsing map stays aligned with the 224 x 224 input; the
    # crop range is not given by the paper (MAE uses 0.2-1.0; faces keep
    # their layout better with 0.5-1.0)
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    # flips gt_seg_map too; swap l_eye/r_eye, l_brow/r_brow, l_ear/r_ear
    # (parsing_flip_pairs(CELEBAMASK_HQ_CLASSES))
    dict(
        type='mmpretrain.RandomFlip',
        prob=0.5,
        direction='horizontal',
        swap_seg_labels=[(4, 5), (6, 7), (8, 9)]),
    dict(type='PackFERInputs'),  # gt_seg_map -> data_sample.gt_parsing
]
train_dataloader = dict(
    batch_size=64,  # per GPU; 4 GPUs (Sec. IV-A) -> 256
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='CelebAMaskHQDataset',
        data_root='data/CelebAMask-HQ',
        split='train',
        pipeline=train_pipeline))

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
# input / omega heat map / masked patches / attention (Fig. 4) PNG grids
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='MaskVisualizationHook', interval=5, num_samples=4),
]
