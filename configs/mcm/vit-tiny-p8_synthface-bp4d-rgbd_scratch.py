# The small SynthFace RGBD fine-tuning without pre-training (same seed, data,
# model and budget as vit-tiny-p8_synthface-bp4d-rgbd_finetune.py): the
# baseline of the pre-training-vs-scratch comparison.
_base_ = ['./vit-tiny-p8_synthface-bp4d-rgbd_finetune.py']

model = dict(backbone=dict(init_cfg=None))
