# MCM pre-training on BP4D+ RGB + Depth + Thermal (Sec. 4.3, Table 4 "VDT"):
#   python tools/train.py configs/mcm/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py
# The encoder starts from MAE's ImageNet weights, converted once with
#   python tools/model_converters/mae2mmfer.py mae_pretrain_vit_base.pth \
#       checkpoints/mae_pretrain_vit_base_mmfer.pth
# (or start from scratch: --cfg-options model.backbone.init_cfg=None).
_base_ = [
    '../_base_/models/mcm_vit-base-p16.py',
    '../_base_/datasets/bp4d_plus_pretrain.py',
    '../_base_/schedules/mcm_pretrain_100e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/mae_pretrain_vit_base_mmfer.pth',
            prefix='backbone.')))

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
# Fig. 4-style PNG grids (masked mixed input, reconstructed RGB / D / T)
# every 10 epochs into <work_dir>/<timestamp>/mcm_reconstructions/
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='MCMReconstructionHook', interval=10, num_samples=4),
]
