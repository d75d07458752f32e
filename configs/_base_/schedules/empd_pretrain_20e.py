# EMPD pre-training (Sec. IV-A): AdamW, lr 1.5e-4, weight decay 0.05,
# momentum 0.9 (beta_1; beta_2 0.95 as in MAE, which EMPD follows), cosine
# schedule. 20 epochs is the first stage (warm-up of ESGM on CelebAMask-HQ
# with parsing); the second stage's 350 epochs: empd_pretrain_350e.py.
# No weight decay on norms, biases, position embeddings and tokens (MAE).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
# "used cosine scheduler at the initial training of the two stages": cosine
# from the first iteration, no warm-up (the paper names none); explicit
# `end` because resuming with a larger max_epochs keeps the saved one
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=20,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=20,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)
# 1.5e-4 is MAE's base lr, defined per 256 images (4 GPUs x 64 here)
auto_scale_lr = dict(base_batch_size=256)
