# MCM AU detection on BP4D, RGB input (Table 1 "MCM RGB", 66.0 = Table 4
# "Pretrain, IM V, CM VDT"), fold 1:
#   python tools/train.py configs/mcm/mcm_vit-base-p16_mcm-rgbdt-pre_5e_bp4d-rgb.py
# other folds: --cfg-options train_dataloader.dataset.fold=2
#   val_dataloader.dataset.fold=2 test_dataloader.dataset.fold=2
# (tools/misc/run_folds.py runs all three, mean +- std).
# Starts from the RGB+D+T pre-training
# work_dirs/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain/epoch_100.pth
# (configs/mcm/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py);
# from scratch: --cfg-options model.backbone.init_cfg=None
_base_ = [
    '../_base_/models/vit-base-p16_au.py',
    '../_base_/datasets/bp4d_au.py',
    '../_base_/schedules/mcm_finetune_5e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(logger=dict(interval=50))
# positive weights of Eq. 4-5 from the training fold's AU frequencies
custom_hooks = [dict(type='RandomStateHook'), dict(type='AUPosWeightHook')]
