# MMA-DFER at toy size on SynthFace rendered in the DFEW layout (64 px,
# 8 frames per clip, 512x128 fbank): trains on a CPU in minutes.
#   python tools/train.py configs/mma_dfer/mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py
# There are no pretrained toy encoders, so the two ViTs (64 wide, 4 blocks)
# start from random initialisation and are trained (frozen=False); the rest
# is the MMA-DFER architecture: 6 prompts + 2x3 progressive prompts (after
# blocks 0 and 2), a Fusion Bottleneck after every block, the joint module
# and the temporal transformer.
_base_ = [
    '../_base_/datasets/synthface_dfew_64px.py',
    '../_base_/schedules/mma_dfer_25e.py',
    '../_base_/default_runtime.py',
]
# 30 clips per subject (the base renders 14), 16 frames at 5 fps: 3.2 s
# clips (real DFEW clips last 2-5 s), so each carries 3.2 s of speech
# (at 25 fps the audio would be 0.64 s, the rest of the 5.12 s fbank padding)
data_root = 'data/synthface_dfew_64px_30clips_5fps'
auto_generate = dict(
    subjects=10, samples=30, frames=16, size=64, seed=0, fps=5)
# milder crops than the paper's (area 0.08-1) for 64-px toy faces
train_pipeline = [
    dict(t, area_range=(0.5, 1.0))
    if t['type'] == 'mmaction.RandomResizedCrop' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(data_root=data_root, auto_generate=auto_generate))
test_dataloader = val_dataloader

tiny_arch = dict(
    embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=128)
model = dict(
    type='MMADFER',
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=dict(video=[0., 0., 0.]),
        std=dict(video=[255., 255., 255.])),
    image_encoder=dict(
        type='PromptedViT',
        arch=tiny_arch,
        img_size=64,
        patch_size=8,  # 8x8 patches
        in_channels=3,
        drop_path_rate=0.1,
        num_prompts=6,
        progressive_blocks=(0, 2),
        frozen=False),
    audio_encoder=dict(
        type='PromptedViT',
        arch=tiny_arch,
        img_size=(512, 128),
        patch_size=32,  # 16x4 patches
        in_channels=1,
        drop_path_rate=0.1,
        num_prompts=6,
        progressive_blocks=(0, 2),
        frozen=False),
    fusion=dict(type='FusionBottleneck', latent_dims=16),
    joint_dims=64,
    temporal=dict(
        type='MultimodalTemporalTransformer',
        depth=1,
        num_heads=4,
        feedforward_channels=128,
        num_frames=8),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=7,
        in_channels=64,
        loss=dict(type='mmpretrain.CrossEntropyLoss'),
        init_cfg=None),
    # CPU: the clips of a batch run forward and backward in parallel threads
    train_cfg=dict(cpu_chunks='auto'))

optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=40, eta_min=0., by_epoch=True,
         begin=0, end=40),
]
train_cfg = dict(max_epochs=40, val_interval=10)
randomness = dict(seed=1)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=10, max_keep_ckpts=1))
