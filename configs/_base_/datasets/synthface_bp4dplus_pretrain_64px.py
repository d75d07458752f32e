# SynthFace rendered in the (preprocessed) BP4D+ layout at 64 x 64: 12
# subjects x 10 tasks x 12 frames of aligned RGB, depth and thermal, rendered
# on first use (~20 s) into data/synthface_bp4dplus_64 and cached. A CPU
# stand-in for configs/_base_/datasets/bp4d_plus_pretrain.py. Its seed gives
# identities disjoint from the SynthFace BP4D renders (seed 0), as the real
# BP4D+ subjects are disjoint from BP4D's.
_base_ = ['./bp4d_plus_pretrain.py']

data_root = 'data/synthface_bp4dplus_64'
auto_generate = dict(subjects=12, tasks=10, frames=12, size=64, seed=1000)
modalities = ('rgb', 'depth', 'thermal')
img_size = 64

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        modalities=modalities,
        max_frames=None,
        auto_generate=auto_generate,
        pipeline=train_pipeline))
