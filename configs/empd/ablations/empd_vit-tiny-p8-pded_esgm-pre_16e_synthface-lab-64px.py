# EMPD Table IV on SynthFace, row "ESGM + PDED": the tiny ESGM-pre-trained
# ViT (12 blocks as 4 stages of 3, 96 wide, 8 px patches) fine-tuned with
# the progressive decoupler on the 'lab' render, tested on 'wild'.
# Rows (pre-training x decoupler) change two keys:
#   empd_vit-tiny-p8-pded-none_esgm-pre_...   ESGM, no PDED
#   empd_vit-tiny-p8-pded_mae-pre_...         random masking (MAE), PDED
#   empd_vit-tiny-p8-pded-none_mae-pre_...    random masking, no PDED
# The encoder checkpoints come from the SynthFace pre-training configs named
# in the paths; without them the start-up error says how to get them.
_base_ = [
    '../../_base_/models/empd_pded_vit-tiny-p8.py',
    '../../_base_/datasets/synthface_cross_domain_64px.py',
    '../../_base_/schedules/empd_finetune_40e.py',
    '../../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/empd_vit-tiny-p8_esgm_synthface-64px_'
            'pretrain/epoch_40.pth')))
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=16,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=16,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=16, val_interval=4)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='CheckpointHook', interval=16, max_keep_ckpts=1))
