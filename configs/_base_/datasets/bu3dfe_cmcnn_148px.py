# BU-3DFE for CM-CNN (Ni et al., Sec. III-B / IV-A-B): the 2-D texture
# image (F2D.bmp) and a depth image fitted from the 3-D scan (F3D.wrl),
# face detected by the Viola-Jones Haar cascade, rotation rectified from the
# eye line (Eq. 1), gray + LBP (Eq. 2) + depth at 148 x 148; inputs scaled
# to [0, 1] by the model's data preprocessor (std 255).
# Protocol P1 (level-4 expressions of 60 subjects, 360 samples; 'cmcnn-p2'
# is level 3), ten subject-exclusive folds (tools/misc/run_folds.py).
# Depth images are fitted once from the scans (gridfit-style, aligned with
# the F2D.bmp through the scans' texture coordinates):
#   python tools/dataset_converters/scans_to_depth.py --dataset bu3dfe \
#       data/BU3DFE data/BU3DFE_depth
dataset_type = 'BU3DFEDataset'
data_root = 'data/BU3DFE'
depth_root = 'data/BU3DFE_depth'
protocol = 'cmcnn-p1'
img_size = 148
# the modality groups the model sees, in channel order (the model's
# `modalities` must list the same)
model_inputs = ('gray', 'lbp', 'depth')
texture = 'lbp'
face_detector = dict(type='HaarFaceDetector')
# ten folds over the protocol's 60 subjects (54 train / 6 test each)
fold_protocol = dict(type='RandomSubjectKFold', num_folds=10, seed=0)
# a plain tools/train.py run (no fold runner) holds out 6 of the protocol's
# subjects (the fold runner replaces both lists with each fold's)
val_subjects = ['F0001', 'F0002', 'F0003', 'M0001', 'M0002', 'M0003']
train_subjects = [
    s for s in [f'F{i:04d}' for i in range(1, 35)] +
    [f'M{i:04d}' for i in range(1, 27)] if s not in val_subjects
]

# No face: an error naming the image (BU-3DFE textures are frontal and
# centred; Haar finds every face there). No eyes: the axis-aligned crop,
# counted in the log (DetectFace / AlignFace policies, docs/face.md).
# Horizontal flips happen before LBP so the codes stay those of a real
# image (the paper states no augmentation; the flip is mmfer's choice).
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', 'depth')),
    dict(type='DetectFace', detector=face_detector, on_missing='error'),
    dict(type='AlignFace', size=img_size, margin=0.1, rotate=True,
         on_missing_eyes='no_rotation'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ConvertToGray'),
    dict(type='ComputeTexture', kind=texture),
    dict(type='SelectModalities', modalities=model_inputs),
    dict(type='PackFERInputs'),
]
test_pipeline = [t for t in train_pipeline if t['type'] != 'mmpretrain.RandomFlip']

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        depth_root=depth_root,
        protocol=protocol,
        subjects=train_subjects,
        modalities=('rgb', 'depth'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        depth_root=depth_root,
        protocol=protocol,
        subjects=val_subjects,
        modalities=('rgb', 'depth'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [dict(type='ExpressionMetric')]
test_evaluator = val_evaluator
