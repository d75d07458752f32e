# MCM Table 4, "Finetune" rows, IM "VD", CM "X" (62.5 mean F1): RGB + Depth
# fused by a learned 1x1 convolution 4 -> 3 channels before the patch
# embedding ("A 1x1 convolutional layer is used to reduce the 4-channel RGBD
# to 3 channels for embedding"), no Channel-Mixing. The Finetune rows start
# from "a pre-trained ViT"; the paper does not say which: here MAE's
# ImageNet weights (converted once with tools/model_converters/mae2mmfer.py,
# see configs/mcm/README.md), as MCM's own pre-training starts from them.
#   python tools/train.py configs/mcm/mcm_vit-base-p16-conv1x1_mae-in1k-pre_5e_bp4d-rgbd.py
# The sibling row with CM (63.0): configs/mcm/mcm_vit-base-p16_mcm-rgbd-pre_5e_bp4d-rgbd.py
# with --cfg-options model.backbone.init_cfg.checkpoint=checkpoints/mae_pretrain_vit_base_mmfer.pth
_base_ = ['./mcm_vit-base-p16_mcm-rgbdt-pre_5e_bp4d-rgb.py']

modalities = ('rgb', 'depth')
model = dict(
    # one mean/std for every channel, as in MCM pre-training
    data_preprocessor=dict(mean=[114.495] * 4, std=[57.63] * 4),
    backbone=dict(
        type='ChannelProjectionViT',
        in_channels=4,
        proj_channels=3,
        stem_init='identity',  # starts as the RGB ViT (paper: unstated)
        init_cfg=dict(
            checkpoint='checkpoints/mae_pretrain_vit_base_mmfer.pth')))

# the base pipelines, loading RGB + Depth (4 channels)
train_pipeline, test_pipeline = (
    [dict(t, modalities=modalities)
     if t['type'] == 'LoadFaceModalities' else t for t in pipeline]
    for pipeline in (_base_.train_pipeline, _base_.test_pipeline))
train_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=test_pipeline))
test_dataloader = val_dataloader
