# DFEW (7 classes), audio-visual clips as MMA-DFER uses them:
# 16 face frames (segment-based sampling) + 512x128 Kaldi fbank of the
# clip's audio. One fold at a time: `fold` below, or
# `tools/misc/run_folds.py CONFIG` (all folds of `fold_protocol`, mean +-
# std), which sets `*_dataloader.dataset.fold` for each fold. The test split
# of the fold is also the validation split (DFEW has no validation set; the
# last epoch's checkpoint is reported). See docs/datasets/dfer_datasets.md.
#
# Base variables are resolved when this file is read: a leaf config that
# changes img_size or clip_len rebuilds the three pipelines from these,
# replacing only the affected steps (e.g. configs/mma_dfer/
# mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-112px.py).
dataset_type = 'DFEWDataset'
data_root = 'data/dfew'
fold = 1
# the official 5 folds (set_<k> train/test files; mmfer/datasets/protocols.py)
fold_protocol = dict(type='OfficialSplitFiles', num_folds=5)
img_size = 224
# Inference on videos (docs/inference.md): each frame's largest MTCNN box
# made square, no margin (the official MMA-DFER face extraction of MAFW,
# tools/dataset_converters/extract_face_frames.py --detector mtcnn; DFEW's
# own 224 px face clips are framed alike).
inference_face = dict(
    detector=dict(type='MTCNNFaceDetector'), margin=0.0, size=img_size,
    rotate=False)
clip_len = 16

train_pipeline = [
    dict(type='SampleSegmentFrames', clip_len=clip_len),
    dict(type='LoadFrames'),
    # one random state per clip, applied to all its frames
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
# 16-frame uniform sampling at test time: video (T, 3, H, W)
test_pipeline = [
    dict(type='SampleSegmentFrames', clip_len=clip_len, test_mode=True),
    dict(type='LoadFrames'),
    dict(type='mmaction.Resize', scale=(img_size, img_size),
         keep_ratio=False),
    dict(type='FormatClip'),
    dict(type='LoadAudioFbank'),
    dict(type='PackFERInputs', input_keys=dict(imgs='video', fbank='audio')),
]
# the "2-clip" protocol: video (2, T, 3, H, W); the model averages the
# softmax over the two clips. Use with
# test_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_2clip}}))
test_pipeline_2clip = [
    dict(t, num_clips=2) if t['type'] == 'SampleSegmentFrames' else t
    for t in test_pipeline
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        fold=fold,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        fold=fold,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))
val_evaluator = [dict(type='ExpressionMetric')]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
