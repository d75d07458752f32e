# EMPD Table IV on SynthFace, row "random masking (MAE), no PDED" (the
# baseline; see empd_vit-tiny-p8-pded_esgm-pre_16e_synthface-lab-64px.py).
_base_ = ['./empd_vit-tiny-p8-pded_mae-pre_16e_synthface-lab-64px.py']
model = dict(mode='none')
