# EMPD fine-tuning schedule (Sec. IV-A): AdamW, lr 1e-4, weight decay 0.05,
# "momentum 0.9" (beta_1), cosine decay. The paper gives neither the number
# of epochs, nor a warm-up, nor the batch size: 40 epochs, no warm-up, and
# batch 64 (set in the dataset config) are mmfer's choices.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    # no weight decay on norms and biases (MAE / mmpretrain fine-tuning)
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0))
param_scheduler = [
    # explicit `end`: resuming with a larger max_epochs keeps the old one
    dict(
        type='CosineAnnealingLR',
        T_max=40,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=40,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
