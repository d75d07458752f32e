# SynthFace rendered in the DFEW layout: a small audio-visual clip dataset
# for CPU runs (demo, smoke tests, the fusion-vs-no-fusion comparison).
# Rendered on first use (~20 s) into data/synthface_dfew_64px and cached.
# 64 px frames, 8 frames per clip; the fbank keeps MMA-DFER's full
# 512 x 128 shape (AudioMAE's input grid). Fold 1 of the 5 SynthFace folds
# (subject-exclusive).
_base_ = ['./dfew.py']

data_root = 'data/synthface_dfew_64px'
img_size = 64
clip_len = 8
auto_generate = dict(subjects=10, samples=14, frames=16, size=64, seed=0)

train_pipeline = [
    dict(type='SampleSegmentFrames', clip_len=clip_len),
    dict(type='LoadFrames'),
    dict(type='mmaction.ColorJitter', brightness=0.5, contrast=0.,
         saturation=0., hue=0.),
    dict(type='mmaction.RandomResizedCrop', area_range=(0.08, 1.0),
         aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='mmaction.Resize', scale=(img_size, img_size),
         keep_ratio=False),
    dict(type='mmaction.Flip', flip_ratio=0.5),
    dict(type='FormatClip'),
    dict(type='LoadAudioFbank'),
    dict(type='PackFERInputs', input_keys=dict(imgs='video', fbank='audio')),
]
test_pipeline = [
    dict(type='SampleSegmentFrames', clip_len=clip_len, test_mode=True),
    dict(type='LoadFrames'),
    dict(type='mmaction.Resize', scale=(img_size, img_size),
         keep_ratio=False),
    dict(type='FormatClip'),
    dict(type='LoadAudioFbank'),
    dict(type='PackFERInputs', input_keys=dict(imgs='video', fbank='audio')),
]
test_pipeline_2clip = [
    dict(type='SampleSegmentFrames', clip_len=clip_len, num_clips=2,
         test_mode=True),
    dict(type='LoadFrames'),
    dict(type='mmaction.Resize', scale=(img_size, img_size),
         keep_ratio=False),
    dict(type='FormatClip'),
    dict(type='LoadAudioFbank'),
    dict(type='PackFERInputs', input_keys=dict(imgs='video', fbank='audio')),
]

train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
