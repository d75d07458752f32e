# CPU-sized AU fine-tuning on SynthFace rendered in the BP4D layout (RGB +
# Depth through Channel-Mixing, 64 x 64, 12 AUs, fold 1), starting from the
# small MCM pre-training:
#   python tools/train.py configs/mcm/mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_pretrain.py
#   python tools/train.py configs/mcm/mcm_vit-tiny-p8_mcm-synthface-rgbdt-pre_20e_synthface-bp4d-rgbd-64px.py
# The same budget from scratch:
# mcm_vit-tiny-p8_scratch_20e_synthface-bp4d-rgbd-64px.py.
# Logs per-AU F1 (au/F1_AU1 ...), au/F1_mean and au/accuracy.
_base_ = [
    '../_base_/models/vit-base-p16_au.py',
    '../_base_/datasets/synthface_bp4d_au_64px.py',
    '../_base_/schedules/mcm_finetune_5e.py',
    '../_base_/default_runtime.py',
]

tiny_arch = dict(
    _delete_=True,
    embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
model = dict(
    backbone=dict(
        arch=tiny_arch,
        img_size=64,
        patch_size=8,
        init_cfg=dict(
            checkpoint='work_dirs/mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_'
            'pretrain/epoch_60.pth')),
    # SynthFace's AUs are rare (5-15% positive) and the run is short: the
    # usual rare-AU weighting (see WeightedBCELoss) lets positives cross the
    # 0.5 threshold; the ViT-B configs keep Eq. 5 as printed ('paper').
    head=dict(in_channels=96, loss=dict(weight_mode='inverse')))

# 12 subjects (4 per protocol part: fold 1 trains on 8, tests on 4) x 8
# tasks x 16 frames (1,536 frames, ~20 s to render once), in its own cache
# folder
data_root = 'data/synthface_bp4d_64_12subj'
auto_generate = dict(subjects=12, tasks=8, frames=16, size=64, seed=0)

modalities = ('rgb', 'depth')
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ChannelMixing', patch_size=8, num_kept=3, in_channels=4),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(
        type='ChannelMixing', patch_size=8, num_kept=3, in_channels=4,
        seed=0),
    dict(type='PackFERInputs'),
]
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        modalities=modalities,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        modalities=modalities,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

# the paper's schedule shape (cosine, lr x 0.1 at 3/5 of training) over 20
# epochs; larger lr for the tiny model at batch 32
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=20,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=20,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        milestones=[12],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=20),
]
train_cfg = dict(max_epochs=20, val_interval=5)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='CheckpointHook', interval=20, max_keep_ckpts=1))
custom_hooks = [dict(type='RandomStateHook'), dict(type='AUPosWeightHook')]
