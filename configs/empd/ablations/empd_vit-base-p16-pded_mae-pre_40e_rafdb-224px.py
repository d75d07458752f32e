# EMPD Table IV row 3 (random-masking MAE pre-training, with PDED), source
# RAF-DB: the MAE ViT-B/16 (configs/empd/empd_vit-base-p16_mae_350e_celeba-
# ffhq-casia_pretrain.py, epoch_350.pth) with progressive PDED. Everything
# else as ../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py.
_base_ = ['../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/empd_vit-base-p16_mae_350e_celeba-ffhq-'
            'casia_pretrain/epoch_350.pth')))
