# AU detection model of MCM (Sec. 3.6 / 4.3): ViT-B/16 encoder (drop path
# 0.1), global average pooling of the patch tokens (no class token) + LN +
# linear multi-label head, weighted BCE (Eq. 4-6) with weights computed from
# the training set by AUPosWeightHook (add it to custom_hooks).
# The encoder starts from MCM pre-training; without that file the start-up
# error says how to produce it. From scratch:
#   --cfg-options model.backbone.init_cfg=None
pretrained = 'work_dirs/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain/epoch_100.pth'
num_aus = 12
model = dict(
    type='FERClassifier',
    # same statistics for every channel, as in pre-training
    # (configs/_base_/models/mcm_vit-base-p16.py)
    data_preprocessor=dict(
        type='FERDataPreprocessor', mean=[114.495] * 3, std=[57.63] * 3),
    backbone=dict(
        type='mmpretrain.VisionTransformer',
        arch='b',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        out_type='featmap',
        final_norm=False,  # MAE fine-tuning: LN after pooling instead
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(
        type='AUClsHead',
        num_classes=num_aus,
        in_channels=768,
        loss=dict(type='WeightedBCELoss', pos_weight='auto')))
