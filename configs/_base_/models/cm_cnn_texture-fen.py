# One CM-CNN FEN with its own classification head (Ni et al., Sec. III-C:
# "the output of the last max-pooling layer ... is fed into an adaptive
# pooling layer and then ... the fully connected (FC) layer to perform FER
# from a single facial modality"): the G / L / D rows of Table II, and the
# FEN's face-recognition pre-training with identity labels (set
# head.num_classes to the number of subjects, then convert the checkpoint
# with tools/model_converters/face_recognition2fen.py).
# Gray or LBP input (1 channel) in [0, 1]; for depth use
#   model = dict(backbone=dict(type='DepthFEN'))
model = dict(
    type='FERClassifier',
    data_preprocessor=dict(
        type='FERDataPreprocessor', mean=[0.0], std=[255.0]),
    backbone=dict(type='TextureFEN', in_channels=1, arch='base'),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=6,
        in_channels=128,
        loss=dict(type='SoftFocalLoss', gamma=2.0, alpha=1.0, sigma=0.1)))
