# CPU-sized EMPD stage-1 pre-training (MAE + ESGM, Eq. 8) on SynthFace
# rendered in its native layout, whose per-sample parsing maps supervise
# ESGM (L_mask, Eq. 6) as CelebAMask-HQ's do in the paper. 64 x 64 RGB from
# three rendered domains (lab, wild, lowres; 12 subjects x 24 images, 9
# subjects in the train split; rendered on first use into
# data/synthface_empd_64 and cached):
#   python tools/train.py configs/empd/empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py
# Logs loss_rgb (L_rec, Eq. 7) and loss_mask (L_mask, sum over the 64
# patches). Mask grids go to <work_dir>/vis_masks; the concentration of the
# masks on expression patches vs random masking:
#   python tools/analysis_tools/esgm_mask_stats.py CONFIG CHECKPOINT
# Measured 2026-12-03 (2 cores shared with other jobs, load ~7,
# OMP_NUM_THREADS=1; 280 iterations in 10 min): loss_mask 23.53 (epoch 1)
# -> 11.53 (5) -> 10.43 (10) -> 10.12 (20) -> 9.66 (30) -> 9.76 (40),
# loss_rgb 0.78 -> 0.29. Of the 12 masked patches per image, 97.5% have an
# M_exp mean > 0.5 (first 64 train images; 97.3% on the 3 val subjects)
# against 46.4% (47.3%) for random masking of as many patches and 44.1% for
# the untrained ESGM.
# Encoder: the 12-block, 96-wide ViT on 8 x 8 patches that the tiny EMPD
# fine-tuning configs load (configs/_base_/models/empd_pded_vit-tiny-p8.py
# reads epoch_40.pth of this run); a 2-block decoder; mask ratio 0.2.
_base_ = [
    '../_base_/models/empd_mae_vit-base-p16.py',
    '../_base_/schedules/empd_pretrain_20e.py',
    '../_base_/default_runtime.py',
]

tiny_arch = dict(
    _delete_=True,
    embed_dims=96, num_layers=12, num_heads=3, feedforward_channels=384)
model = dict(
    backbone=dict(
        arch=tiny_arch,
        img_size=64,
        patch_size=8,
        mask_generator=dict(
            embed_dims=96,
            num_heads=3,
            mlp_hidden=96,
            num_patches=64,
            patch_size=8,
            parsing_vocabulary='synthface')),
    neck=dict(
        num_patches=64,
        patch_size=8,
        embed_dim=96,
        decoder_embed_dim=64,
        decoder_depths=dict(rgb=2),
        decoder_num_heads=2),
    head=dict(patch_size=8))

img_size = 64
data_root = 'data/synthface_empd_64'
auto_generate = dict(
    subjects=12,
    samples=24,
    size=img_size,
    seed=0,
    domains=['lab', 'wild', 'lowres'],
    domain_assign='sample')
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='LoadParsingMap', num_classes=12),  # SynthFace class ids
    # mmfer's RandomResizedCrop crops gt_seg_map with the image (nearest)
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    # swap left/right brows and eyes (parsing_flip_pairs(PARSING_CLASSES))
    dict(
        type='mmpretrain.RandomFlip',
        prob=0.5,
        direction='horizontal',
        swap_seg_labels=[(2, 3), (4, 5)]),
    dict(type='PackFERInputs'),  # gt_seg_map -> data_sample.gt_parsing
]
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='SynthFaceDataset',
        data_root=data_root,
        split='train',  # 9 of the 12 subjects; val keeps 3 unseen ones
        auto_generate=auto_generate,
        pipeline=train_pipeline))

# 40 epochs (7 iterations each); a larger lr suits the tiny model, batch 32
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=40,
        eta_min=1e-6,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=40)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=7),  # once per epoch (7 iterations)
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=1))
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='MaskVisualizationHook', interval=10, num_samples=4),
]
