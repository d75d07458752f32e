# EMPD Table III, multi-source RAF-DB + SFEW 2.0: "Baseline (MAE +
# ResNet18)" in the ViT reading (configs/empd/README.md): the random-masking
# MAE ViT-B/16 (configs/empd/empd_vit-base-p16_mae_350e_celeba-ffhq-casia_
# pretrain.py, epoch_350.pth), no decoupling (mode='none'). Everything else
# as ./empd_vit-base-p16-pded_esgm-pre_40e_rafdb+sfew-224px.py.
_base_ = ['./empd_vit-base-p16-pded_esgm-pre_40e_rafdb+sfew-224px.py']
model = dict(
    mode='none',
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/empd_vit-base-p16_mae_350e_celeba-ffhq-'
            'casia_pretrain/epoch_350.pth')))
