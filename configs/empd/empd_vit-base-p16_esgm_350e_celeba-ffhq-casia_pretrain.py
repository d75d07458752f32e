# EMPD pre-training, stage 2 (Sec. IV-A): 350 epochs on CelebA, FFHQ and
# CASIA-WebFace, "which has no parsing segmentation". The ESGM attention
# block warmed up in stage 1 now masks the expression-aware patches on its
# own: these samples carry no gt_parsing, so ESGM's loss_mask is 0 (kept in
# the graph and in the log) and the loss is L_rec alone.
#   python tools/train.py configs/empd/empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_pretrain.py
_base_ = [
    '../_base_/models/empd_mae_vit-base-p16.py',
    '../_base_/schedules/empd_pretrain_350e.py',
    '../_base_/default_runtime.py',
]

# the whole model (encoder, decoder, ESGM) from the end of stage 1
load_from = ('work_dirs/empd_vit-base-p16_esgm-warmup_20e_celebamask-hq_'
             'pretrain/epoch_20.pth')

# Without L_mask ESGM gets zero gradients (the argsort passes none), but
# AdamW's decoupled weight decay would still shrink it over 350 epochs and
# undo the warm-up: keep it as learned (lr and decay multipliers 0).
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'backbone.mask_generator': dict(lr_mult=0.0, decay_mult=0.0)
        }))

img_size = 224
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.5, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
# unlabelled face folders (FaceFolderDataset: every image of image_dir,
# recursively; the dataset name is the sample's domain)
train_dataloader = dict(
    batch_size=64,  # per GPU; 4 GPUs (Sec. IV-A) -> 256
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type='FaceFolderDataset',
                data_root='data/celeba',
                image_dir='img_align_celeba',
                domain='celeba',
                pipeline=train_pipeline),
            dict(
                type='FaceFolderDataset',
                data_root='data/ffhq',
                image_dir='images1024x1024',
                domain='ffhq',
                pipeline=train_pipeline),
            dict(
                type='FaceFolderDataset',
                data_root='data/casia-webface',
                image_dir='',
                domain='casia_webface',
                pipeline=train_pipeline),
        ]))

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='MaskVisualizationHook', interval=10, num_samples=4),
]
