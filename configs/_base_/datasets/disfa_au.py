# DISFA AU detection (MCM Sec. 4.1): 8 AUs 1,2,4,6,9,12,25,26 (intensity >= 2
# positive), left camera, subject-exclusive 3-fold protocol, 224 x 224 crops.
# data_root holds img/SN001/{t}.png (tools/dataset_converters/
# disfa_extract_frames.py --crop --size 224) and ActionUnit_Labels/.
# MCM fine-tunes the BP4D model on DISFA (set load_from in the leaf config).
dataset_type = 'DISFADataset'
data_root = 'data/DISFA'
fold = 1
# JAA-Net's published parts (mmfer/datasets/protocols.py);
# tools/misc/run_folds.py runs the three folds, mean +- std
fold_protocol = dict(type='SubjectKFold', parts='disfa', num_folds=3)
img_size = 224
# Inference on photos / videos (docs/inference.md): the crop of
# tools/dataset_converters/disfa_extract_frames.py --crop (Haar HAAR_LAB_FRAMES
# box, square, margin 0.1 per side), detected on every frame.
inference_face = dict(
    detector=dict(type='HaarFaceDetector', scale_factor=1.05, min_neighbors=4,
                  min_size=0.2, upscale_to=240, equalize=True,
                  find_eyes=False),
    margin=0.1, size=img_size, rotate=False)

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='mmpretrain.Resize', scale=img_size),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
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
        pipeline=train_pipeline))
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
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='AUMetric', threshold=0.5)
test_evaluator = val_evaluator
