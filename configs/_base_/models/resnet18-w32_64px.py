# A slim ResNet-18 (32 base channels) for 64x64 faces with a linear
# expression head: learns SynthFace expressions in a few CPU minutes.
model = dict(
    type='FERClassifier',
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5]),
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=18,
        stem_channels=32,
        base_channels=32,
        out_indices=(3, )),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=7,
        in_channels=256,
        loss=dict(type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.1)))
