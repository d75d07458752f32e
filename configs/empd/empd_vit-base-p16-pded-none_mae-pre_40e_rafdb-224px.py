# EMPD's "Baseline (MAE + ResNet18)" row of Tables I (RAF-DB block) and II,
# = Table IV row 1 (no ESGM, no PDED), in the ViT reading
# (configs/empd/README.md, "Which network is fine-tuned"): the ViT-B/16 of
# the random-masking MAE pre-training with the same data and schedule as
# ESGM's (configs/empd/empd_vit-base-p16_mae_350e_celeba-ffhq-casia_pretrain.py,
# epoch_350.pth), fine-tuned without decoupling (mode='none': no decoupler,
# no domain loss; the blurred copies x_a still train the expression head, so
# every row sees the same images). Everything else as
# empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py.
_base_ = ['./empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py']
model = dict(
    mode='none',
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/empd_vit-base-p16_mae_350e_celeba-ffhq-'
            'casia_pretrain/epoch_350.pth')))
