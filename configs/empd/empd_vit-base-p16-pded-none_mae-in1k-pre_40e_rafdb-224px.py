# EMPD Table II's "Vit-base" row (RAF-DB test): ViT-B/16 without any face
# pre-training, from MAE's ImageNet-1K weights (the encoder ESGM's stage 1
# starts from; the paper does not say which ViT-B weights this row used),
# fine-tuned without decoupling (mode='none'). Convert the official weights
# once:
#   python tools/model_converters/mae2mmfer.py mae_pretrain_vit_base.pth \
#       checkpoints/mae_pretrain_vit_base_mmfer.pth
# Everything else as empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py.
_base_ = ['./empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py']
model = dict(
    mode='none',
    backbone=dict(
        init_cfg=dict(
            checkpoint='checkpoints/mae_pretrain_vit_base_mmfer.pth')))
