# EMPD's second pre-training stage (Sec. IV-A): 350 epochs on CelebA, FFHQ
# and CASIA-WebFace, the same AdamW / cosine recipe as the first stage.
_base_ = ['./empd_pretrain_20e.py']

param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=350,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=350,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=350)
