# MCM AU fine-tuning (Sec. 4.3): AdamW, layer-wise lr decay 0.75, batch 64,
# 5 epochs, no warm-up, cosine decay, and the lr divided by 10 at the 3rd
# epoch (both schedulers act together: lr(t) = cosine(t) x 0.1^[t >= 3]).
# The paper gives no fine-tuning lr or weight decay: MAE's ViT-B recipe
# (base lr 5e-4 per 256 images, weight decay 0.05) at batch 64 gives
# lr = 5e-4 * 64 / 256 = 1.25e-4. Drop path 0.1 is set in the model config.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.25e-4, betas=(0.9, 0.999), weight_decay=0.05),
    constructor='mmpretrain.LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(
        layer_decay_rate=0.75,
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0)
        }))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=5,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='MultiStepLR',
        milestones=[3],
        gamma=0.1,
        by_epoch=True,
        begin=0,
        end=5),
]
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
