# EMPD Table IV on SynthFace, row "random masking (MAE) + PDED" (see
# empd_vit-tiny-p8-pded_esgm-pre_16e_synthface-lab-64px.py).
_base_ = ['./empd_vit-tiny-p8-pded_esgm-pre_16e_synthface-lab-64px.py']
model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/empd_vit-tiny-p8_mae_synthface-64px_'
            'pretrain/epoch_40.pth')))
