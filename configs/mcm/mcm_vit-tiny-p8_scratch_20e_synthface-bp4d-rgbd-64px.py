# The small SynthFace RGBD fine-tuning without pre-training (same seed, data,
# model and budget as
# mcm_vit-tiny-p8_mcm-synthface-rgbdt-pre_20e_synthface-bp4d-rgbd-64px.py):
# the baseline of the pre-training-vs-scratch comparison.
_base_ = [
    './mcm_vit-tiny-p8_mcm-synthface-rgbdt-pre_20e_synthface-bp4d-rgbd-64px.py'
]

model = dict(backbone=dict(init_cfg=None))
