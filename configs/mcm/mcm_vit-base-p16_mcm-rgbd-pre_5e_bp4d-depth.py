# MCM AU detection on BP4D, Depth input replicated to 3 channels (Table 1
# "MCM Depth", 61.4 = Table 4 "Pretrain, IM D, CM VD"; Sec. 4.4.1), from
# the RGB+D pre-training (configs/mcm/mcm_vit-base-p16_bp4dplus-rgbd_pretrain.py;
# from RGB+D+T, Table 4's 61.3 row: --cfg-options
# model.backbone.init_cfg.checkpoint=work_dirs/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain/epoch_100.pth).
#   python tools/train.py configs/mcm/mcm_vit-base-p16_mcm-rgbd-pre_5e_bp4d-depth.py
_base_ = ['./mcm_vit-base-p16_mcm-rgbdt-pre_5e_bp4d-rgb.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/mcm_vit-base-p16_bp4dplus-rgbd_pretrain/'
            'epoch_100.pth')))

modalities = ('depth', )
# the base pipelines, loading depth replicated to three channels
train_pipeline, test_pipeline = (
    [dict(t, modalities=modalities, depth_as_rgb=True)
     if t['type'] == 'LoadFaceModalities' else t for t in pipeline]
    for pipeline in (_base_.train_pipeline, _base_.test_pipeline))
train_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(modalities=modalities, pipeline=test_pipeline))
test_dataloader = val_dataloader
