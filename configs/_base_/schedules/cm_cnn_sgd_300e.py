# CM-CNN training recipe (Ni et al., Sec. IV-B): SGD, learning rate 0.01,
# momentum 0.9, weight decay 5e-4; the learning rate halves every 100
# epochs; 300 epochs per evaluation (one fold of the 10-fold protocol).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [
    # explicit `end`: resuming with a larger max_epochs keeps this schedule
    dict(type='StepLR', step_size=100, gamma=0.5, by_epoch=True, begin=0,
         end=300),
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=25)
val_cfg = dict()
test_cfg = dict()
# The paper does not give its batch size; 32 is this reimplementation's
# choice (lr 0.01 is kept as printed for it).
auto_scale_lr = dict(base_batch_size=32)
