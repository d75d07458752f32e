# MMA-DFER's regime at toy size: a *frozen, self-supervised* face encoder
# plus prompts, Fusion Bottlenecks and the temporal transformer. The face
# encoder is mmfer's own MCM pre-training on SynthFace (BP4D+ layout,
# identities disjoint from these clips), taken from the full checkpoint with
# pretrained_prefix='backbone.'; the audio encoder (same width) trains from
# scratch. Produce the face encoder first:
#   python tools/train.py configs/mcm/mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_pretrain.py
#   python tools/train.py configs/mma_dfer/mma-dfer_vit-tiny-mcm-face_20e_synthface-dfew-64px.py
_base_ = ['./mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py']

mcm_arch = dict(
    embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)
model = dict(
    # the MCM encoder was pre-trained on mean/std-normalised pixels
    data_preprocessor=dict(
        mean=dict(video=[114.495] * 3), std=dict(video=[57.63] * 3)),
    image_encoder=dict(
        arch=mcm_arch,
        frozen=True,
        pretrained='work_dirs/mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_'
        'pretrain/epoch_60.pth',
        pretrained_prefix='backbone.',
        pretrained_hint='python tools/train.py configs/mcm/'
        'mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_pretrain.py'),
    audio_encoder=dict(arch=mcm_arch),
    joint_dims=96,
    temporal=dict(num_heads=3, feedforward_channels=192),
    head=dict(in_channels=96))

param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20, eta_min=0., by_epoch=True,
         begin=0, end=20),
]
train_cfg = dict(max_epochs=20, val_interval=5)
default_hooks = dict(checkpoint=dict(interval=20))
