# EMPD Table I, source AffectNet: "Baseline (ResNet18)": ResNet-18 from
# mmpretrain's ImageNet-1K weights, no decoupler, no domain loss
# (mode='none'); as ./empd_resnet18-pded-none_in1k-pre_40e_rafdb-224px.py on
# AffectNet train (targets SFEW 2.0, RAF-DB, FER2013+, ExpW, JAFFE).
_base_ = [
    '../_base_/models/empd_pded_resnet18.py',
    '../_base_/datasets/empd_affectnet_cross-db_224px.py',
    '../_base_/schedules/empd_finetune_40e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    mode='none',
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/resnet18_8xb32_in1k_20210831-fbbb1da6.pth',
            prefix='backbone.')))
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
