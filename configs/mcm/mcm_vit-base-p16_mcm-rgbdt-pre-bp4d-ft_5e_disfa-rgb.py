# MCM AU detection on DISFA, RGB (Table 2), fine-tuned from the BP4D RGB
# model (Sec. 4.4.1, "we do not train the model from scratch, but fine-tune
# the model from training on BP4D"); 8 AUs, 3-fold protocol:
#   python tools/train.py configs/mcm/mcm_vit-base-p16_mcm-rgbdt-pre_5e_bp4d-rgb.py
#   python tools/train.py configs/mcm/mcm_vit-base-p16_mcm-rgbdt-pre-bp4d-ft_5e_disfa-rgb.py
_base_ = [
    '../_base_/models/vit-base-p16_au.py',
    '../_base_/datasets/disfa_au.py',
    '../_base_/schedules/mcm_finetune_5e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/mcm_vit-base-p16_mcm-rgbdt-pre_5e_bp4d-rgb/'
            'epoch_5.pth')),
    head=dict(num_classes=8))

default_hooks = dict(logger=dict(interval=50))
custom_hooks = [dict(type='RandomStateHook'), dict(type='AUPosWeightHook')]
