# CPU-sized MCM pre-training on SynthFace rendered in the BP4D+ layout
# (RGB + Depth + Thermal, 64 x 64, 320 frames; rendered on first use):
#   python tools/train.py configs/mcm/mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_pretrain.py
# Same model as the ViT-B recipe at 1/8 scale: 4-block ViT (width 96) on 8x8
# patches, decoders of 2 / 1 / 1 blocks (the paper's 8 / 4 / 4 ratio), mask
# 50%. Logs loss_rgb / loss_depth / loss_thermal; a few minutes on 2 cores.
_base_ = [
    '../_base_/models/mcm_vit-base-p16.py',
    '../_base_/datasets/synthface_bp4dplus_pretrain_64px.py',
    '../_base_/schedules/mcm_pretrain_100e.py',
    '../_base_/default_runtime.py',
]

tiny_arch = dict(
    _delete_=True,
    embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
model = dict(
    channel_mixing=dict(patch_size=8),
    backbone=dict(arch=tiny_arch, img_size=64, patch_size=8),
    neck=dict(
        num_patches=64,
        patch_size=8,
        embed_dim=96,
        decoder_embed_dim=64,
        decoder_depths=dict(rgb=2, depth=1, thermal=1),
        decoder_num_heads=2),
    # MAE's per-patch normalised target, as in the run measured in
    # configs/mcm/README.md (the ViT-B configs use the paper's plain pixels)
    head=dict(patch_size=8, norm_pix=True))

train_dataloader = dict(batch_size=32, num_workers=2)
# the paper's schedule shape (40% linear warm-up, cosine to 1e-6) over 60
# epochs (600 iterations); a larger lr suits the tiny model and batch 32
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=50,
        eta_min=1e-6,
        by_epoch=True,
        begin=10,
        end=60,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=60)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='CheckpointHook', interval=20, max_keep_ckpts=1))
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='MCMReconstructionHook', interval=20, num_samples=4),
]
