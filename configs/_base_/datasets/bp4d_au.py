# BP4D AU detection (MCM Sec. 4.1): 12 AUs, subject-exclusive 3-fold protocol,
# 224 x 224 face crops. data_root is the *preprocessed* root written by
# tools/dataset_converters/face_crop.py (docs/datasets/au_datasets.md):
#   data/BP4D_224/Sequences/F001/T1/2440.jpg, Depth/F001/T1/2440.png,
#   AUCoding/AU_OCC/F001_T1.csv
# Fold: `fold` below, or --cfg-options train_dataloader.dataset.fold=2
# val_dataloader.dataset.fold=2 test_dataloader.dataset.fold=2
# (tools/misc/run_folds.py runs the three folds of `fold_protocol` and
# reports mean +- std).
# Modalities: a leaf config overrides `modalities` in the three datasets and
# in LoadFaceModalities of both pipelines, e.g. ('rgb', 'depth') for RGBD
# (5-channel 'rgb','depth','thermal' needs a Thermal/ folder), or
# ('depth',) with depth_as_rgb=True for depth-only (Sec. 4.4.1).
dataset_type = 'BP4DDataset'
data_root = 'data/BP4D_224'
fold = 1
# JAA-Net's published parts (mmfer/datasets/protocols.py)
fold_protocol = dict(type='SubjectKFold', parts='bp4d', num_folds=3)
modalities = ('rgb', )
img_size = 224
# Inference on photos / videos (docs/inference.md): the crop of
# tools/dataset_converters/face_crop.py (Haar HAAR_LAB_FRAMES
# box, square, margin 0.1 per side), detected on every frame.
inference_face = dict(
    detector=dict(type='HaarFaceDetector', scale_factor=1.05, min_neighbors=4,
                  min_size=0.2, upscale_to=240, equalize=True,
                  find_eyes=False),
    margin=0.1, size=img_size, rotate=False)

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(type='mmpretrain.Resize', scale=img_size),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(type='mmpretrain.Resize', scale=img_size),
    dict(type='PackFERInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        fold=fold,
        split='train',
        modalities=modalities,
        pipeline=train_pipeline))
# The protocol has no validation split: validation = the fold's test part.
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        fold=fold,
        split='test',
        modalities=modalities,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='AUMetric', threshold=0.5)
test_evaluator = val_evaluator
