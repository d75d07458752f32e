# The six labelled databases of EMPD (Zhong et al., "Expression-aware
# Masking and Progressive Decoupling for Cross-database Facial Expression
# Recognition", Sec. IV-A): RAF-DB, AffectNet, FER2013+, SFEW 2.0, ExpW and
# JAFFE, 224 x 224 RGB, seven classes (six basic + neutral).
#
# This file only defines pipelines and dataset dicts; the source bases
# (empd_rafdb_cross-db_224px.py, empd_affectnet_cross-db_224px.py,
# empd_rafdb+sfew_cross-db_224px.py) take their dataloaders and
# cross_dataset targets from it with {{_base_.<name>}}.
#
# One label space by name for every database: label_space='rafdb' gives
# all of them RAF-DB's class order (surprise, fear, disgust, happiness,
# sadness, anger, neutral); unmapped='drop' drops (and logs the count of)
# any class outside it. AffectNet and FER+ also take num_classes=7, which
# drops contempt (and AffectNet's None / Uncertain / Non-Face) in the loader.
#
# Faces: RAF-DB (aligned/*_aligned.jpg, 100 px), SFEW 2.0 (*_Aligned_Faces)
# and FER+ (48 px grey, loaded as 3 equal channels) are aligned face crops
# and are resized to 224. AffectNet and ExpW are whole images with an
# annotated face box: DetectFace(use_dataset_box=True) takes the box and
# AlignFace crops its square (+10% on each side, no rotation: the
# annotations carry no eye points) to 224. JAFFE (256 x 256 grey near-
# frontal portraits, no box) goes through the Haar detector and the same
# crop; an image where it finds no face falls back to the centre square
# (logged by face_found=False, never an error at test time).
#
# Real data go to data/<name> (docs/datasets/image_fer_datasets.md lists the
# layouts). Every dataset here accepts auto_generate=dict(...) to render its
# SynthFace layout into an empty data_root (tests use that).
img_size = 224
# Inference on photos (docs/inference.md): RAF-DB / SFEW ship faces
# aligned by the eyes; MTCNN's eye line levelled (AlignFace) with 0.1 of
# the box side per side approximates them (not measured on the real crops).
inference_face = dict(
    detector=dict(type='MTCNNFaceDetector'), margin=0.1, size=img_size,
    rotate=True)
label_space = dict(label_space='rafdb', unmapped='drop')

# --------------------------------------------------------------------------
# pipelines
# --------------------------------------------------------------------------
# training: mmpretrain's RandomResizedCrop + flip (bicubic as its ViT
# fine-tuning configs); the crop keeps >= 50% of the face (the ESGM
# pre-training configs' range; mmpretrain's ImageNet default 0.08 cuts faces
# into parts), no colour jitter / RandAugment / erasing (the paper names no
# augmentation besides the Gaussian blur x_a of PDED)
_random_crop_flip = [
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
_box_crop = [
    dict(type='DetectFace', use_dataset_box=True),
    dict(type='AlignFace', size=img_size, margin=0.1, rotate=False),
]
# aligned face crops (RAF-DB, SFEW 2.0, FER+)
face_train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
] + _random_crop_flip
face_test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(
        type='mmpretrain.Resize',
        scale=(img_size, img_size),
        backend='pillow',
        interpolation='bicubic'),
    dict(type='PackFERInputs'),
]
# whole images + annotated face box (AffectNet, ExpW)
box_train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
] + _box_crop + _random_crop_flip
box_test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
] + _box_crop + [dict(type='PackFERInputs')]
# whole portraits without a box (JAFFE): Haar detection, centre fallback
detect_test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='DetectFace', on_missing='fallback'),
    dict(type='AlignFace', size=img_size, margin=0.1, rotate=False),
    dict(type='PackFERInputs'),
]

# --------------------------------------------------------------------------
# datasets (pipelines set here; a source base may replace them)
# --------------------------------------------------------------------------
rafdb_train = dict(
    type='RAFDBDataset',
    data_root='data/rafdb',
    split='train',  # 12,271 images
    pipeline=face_train_pipeline,
    **label_space)
rafdb_test = dict(
    type='RAFDBDataset',
    data_root='data/rafdb',
    split='test',  # 3,068 images: Table II, and a Table I AffectNet target
    pipeline=face_test_pipeline,
    **label_space)
sfew_train = dict(
    type='SFEWDataset',
    data_root='data/sfew',
    split='train',  # 958 faces: the second source of Table III
    pipeline=face_train_pipeline,
    **label_space)
sfew_val = dict(
    type='SFEWDataset',
    data_root='data/sfew',
    split='val',  # 436 faces (the test labels are withheld)
    pipeline=face_test_pipeline,
    **label_space)
ferplus_test = dict(
    type='FERPlusDataset',
    data_root='data/ferplus',
    split='test',  # FER2013 PrivateTest with FER+ labels, 3,137 (7 classes)
    num_classes=7,
    pipeline=face_test_pipeline,
    **label_space)
# ExpW is only ever a target in EMPD, so all 91,793 faces are tested (the
# seeded split='test' of ExpWDataset is for training on ExpW)
expw_all = dict(
    type='ExpWDataset',
    data_root='data/expw',
    split='all',
    pipeline=box_test_pipeline,
    **label_space)
affectnet_train = dict(
    type='AffectNetDataset',
    data_root='data/affectnet',
    split='train',
    num_classes=7,
    pipeline=box_train_pipeline,
    **label_space)
# AffectNet's validation.csv (its test set is not distributed)
affectnet_val = dict(
    type='AffectNetDataset',
    data_root='data/affectnet',
    split='val',
    num_classes=7,
    pipeline=box_test_pipeline,
    **label_space)
jaffe_all = dict(
    type='JAFFEDataset',
    data_root='data/jaffe',  # all 213 images of the 10 subjects
    pipeline=detect_test_pipeline,
    **label_space)

val_evaluator = [dict(type='ExpressionMetric')]  # expr/WAR = accuracy
test_evaluator = val_evaluator
# helpers, not config keys
del _random_crop_flip, _box_crop, label_space
