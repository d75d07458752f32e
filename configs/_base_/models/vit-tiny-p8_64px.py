# A tiny ViT for 64x64 faces (8x8 patches -> 64 tokens) with a linear
# expression head on the cls token: quick to train on CPU.
model = dict(
    type='FERClassifier',
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5]),
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch=dict(
            embed_dims=96, num_layers=4, num_heads=3,
            feedforward_channels=384),
        img_size=64,
        patch_size=8,
        drop_path_rate=0.1,
        out_type='cls_token'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=7,
        in_channels=96,
        loss=dict(type='mmpretrain.CrossEntropyLoss', label_smoothing=0.1)))
