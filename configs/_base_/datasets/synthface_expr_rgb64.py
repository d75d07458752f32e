# SynthFace (native layout), RGB 64x64, 7 basic expressions,
# subject-exclusive train/val. Rendered on first use (a few seconds) into
# data/synthface_quickstart and cached.
dataset_type = 'SynthFaceDataset'
data_root = 'data/synthface_quickstart'
# Inference on photos / videos (mmfer.apis.FERInferencer, docs/inference.md):
# SynthFace renders frame the whole face; MTCNN's box plus 0.27 of its side
# per side gives that framing (measured on 24 renders at 64-256 px: margin
# 0.27 +- 0.03, box centre within 0.03 box sides of the image centre).
inference_face = dict(
    detector=dict(type='MTCNNFaceDetector'), margin=0.27, size=64,
    rotate=False)
auto_generate = dict(subjects=12, samples=120, seed=0, size=64)
# tools/misc/run_folds.py: seeded subject-exclusive 3-fold over all 12
# subjects (split='all'); a single run uses the fixed train/val split below
fold_protocol = dict(
    type='RandomSubjectKFold', num_folds=3, seed=0,
    overrides=dict(split='all'))

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.7, 1.0),
        aspect_ratio_range=(0.9, 1.1)),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='PackFERInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        auto_generate=auto_generate,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        auto_generate=auto_generate,
        pipeline=test_pipeline))
val_evaluator = [dict(type='ExpressionMetric')]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
