# MMA-DFER on DFEW, 112x112 frames (Table 1 "MMA (ours)_112"): the
# 224-px config with the frame size changed in the pipelines and the image
# encoder (the 14x14 MAE-Face position embedding is resized bicubically to
# 7x7 when the pretrained weights load).
_base_ = ['./mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-224px.py']

img_size = 112
clip_len = 16
model = dict(image_encoder=dict(img_size=img_size))

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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
