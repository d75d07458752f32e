# MCM pre-training (Sec. 4.3): AdamW lr 2e-4, weight decay 0.05, betas
# (0.9, 0.95), batch 64, 100 epochs, 40 warm-up epochs, then cosine decay to
# 1e-6. No weight decay on norms, biases, position embeddings and tokens
# (MAE).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=2e-4, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
    # explicit `end`: resuming with a larger max_epochs keeps the old one
    dict(
        type='CosineAnnealingLR',
        T_max=60,
        eta_min=1e-6,
        by_epoch=True,
        begin=40,
        end=100,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100)
# the paper's lr is for batch 64 (e.g. 8 GPUs x 8); --auto-scale-lr rescales
auto_scale_lr = dict(base_batch_size=64)
