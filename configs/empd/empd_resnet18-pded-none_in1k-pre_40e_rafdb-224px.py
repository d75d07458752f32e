# EMPD's "Baseline (ResNet18)" row of Tables I (RAF-DB block) and II:
# ResNet-18 from mmpretrain's ImageNet-1K weights (the paper does not say
# which initialisation; 85.50% on RAF-DB test is an ImageNet-pre-trained
# ResNet-18's usual number), no decoupler and no domain loss
# (mode='none'; the blurred copies x_a still train the expression head).
# AdamW lr 1e-4 / wd 0.05 / cosine, 40 epochs, 224 px, as every EMPD row.
#   python tools/misc/run_cross_dataset.py configs/empd/empd_resnet18-pded-none_in1k-pre_40e_rafdb-224px.py \
#       --work-dir-root work_dirs/empd_table1_rafdb
_base_ = [
    '../_base_/models/empd_pded_resnet18.py',
    '../_base_/datasets/empd_rafdb_cross-db_224px.py',
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
