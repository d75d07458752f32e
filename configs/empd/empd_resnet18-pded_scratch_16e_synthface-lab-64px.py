# EMPD's progressive decoupler (PDED) on SynthFace, single source: train on
# the 'lab' render (Gaussian-blurred copies of every batch are the second
# domain), validate on its held-out subjects, test on the 'wild' render
# (other targets: `synthface_targets` in the dataset base). CPU-sized: a
# 16-wide ResNet-18 (stage widths 16-32-64-128) from scratch, 64 x 64 faces,
# 16 epochs (~3 min on 2 CPU cores, plus ~1 min to render the data once):
#   python tools/train.py configs/empd/empd_resnet18-pded_scratch_16e_synthface-lab-64px.py
#   python tools/test.py configs/empd/empd_resnet18-pded_scratch_16e_synthface-lab-64px.py \
#     work_dirs/empd_resnet18-pded_scratch_16e_synthface-lab-64px/epoch_16.pth
# Table V's variants (mode only): configs/empd/ablations/.
_base_ = [
    '../_base_/models/empd_pded_resnet18.py',
    '../_base_/datasets/synthface_cross_domain_64px.py',
    '../_base_/schedules/empd_finetune_40e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    data_preprocessor=dict(mean=[127.5] * 3, std=[127.5] * 3),
    backbone=dict(stem_channels=16, base_channels=16),
    head=dict(in_channels=128),
    # 64 px faces: a 7 px kernel, sigma 0.5-1.5 px
    augment=dict(kernel_size=7, sigma=(0.5, 1.5)))
# from scratch and tiny: the paper's AdamW / wd 0.05 / cosine with a larger
# lr (1e-4 is the paper's for a pre-trained encoder) over 16 epochs
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=16,
        eta_min=1e-5,
        by_epoch=True,
        begin=0,
        end=16,
        convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=16, val_interval=4)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(type='CheckpointHook', interval=16, max_keep_ckpts=1))
