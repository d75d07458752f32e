# The random-masking ("MAE") counterpart of EMPD's pre-training stage 2
# (empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_pretrain.py): 350 epochs
# on CelebA, FFHQ and CASIA-WebFace from the end of the random-masking stage
# 1 (empd_vit-base-p16_mae_20e_celebamask-hq_pretrain.py, epoch_20.pth),
# uniform random masking at ratio 0.2 (SpatialMask), L_rec (Eq. 7) alone.
# Its epoch_350.pth initialises the "Baseline (MAE + ResNet18)" rows and
# Table IV's "PDED without ESGM":
#   python tools/train.py configs/empd/empd_vit-base-p16_mae_350e_celeba-ffhq-casia_pretrain.py
_base_ = ['./empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_pretrain.py']

model = dict(
    backbone=dict(
        mask_generator=dict(_delete_=True, type='SpatialMask',
                            mask_ratio=0.2)))
load_from = ('work_dirs/empd_vit-base-p16_mae_20e_celebamask-hq_pretrain/'
             'epoch_20.pth')
# no ESGM to freeze: the schedule's no-decay keys only
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys=dict(
            _delete_=True,
            pos_embed=dict(decay_mult=0.),
            mask_token=dict(decay_mult=0.),
            cls_token=dict(decay_mult=0.))))
custom_hooks = [dict(type='RandomStateHook')]
