optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    # no weight decay on norms, biases, position embedding and cls token
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            '.pos_embed': dict(decay_mult=0.0),
            '.cls_token': dict(decay_mult=0.0)
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=3,
        convert_to_iter_based=True),
    # explicit `end`: resuming with a larger max_epochs keeps the old one
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=3,
         end=30),
]
train_cfg = dict(by_epoch=True, max_epochs=30, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
