# EMPD fine-tuning network, the ViT reading (Zhong et al., "Expression-aware
# Masking and Progressive Decoupling for Cross-database Facial Expression
# Recognition", Sec. III-B, Algorithm 1): the ESGM-pre-trained ViT-B/16
# encoder, run as 4 stages of 3 Transformer blocks (StagedViT), a linear
# decoupler on the tokens after every stage, F^{i+1} = F^i - F_d^i (Eq. 9);
# global average pooling of the patch tokens + LN (MAE fine-tuning) gives
# F_exp for the 7-class head (Eq. 11); F_dom = sum_i W_i GAP(F_d^i)
# (Eq. 10) the domain classifier (Eq. 12); L_ft = L_exp + L_dom (Eq. 13).
#
# The encoder starts from the ESGM pre-training (350 epochs on CelebA, FFHQ
# and CASIA-WebFace after 20 on CelebAMask-HQ, Sec. IV-A); without that file
# the start-up error says how to produce it. From scratch:
#   --cfg-options model.backbone.init_cfg=None
pretrained = ('work_dirs/empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_'
              'pretrain/epoch_350.pth')
model = dict(
    type='PDEDClassifier',
    # ImageNet statistics (MAE's, which ESGM starts from)
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]),
    backbone=dict(
        type='StagedViT',
        arch='b',
        num_stages=4,
        img_size=224,
        patch_size=16,
        drop_path_rate=0.1,
        out_type='avg_featmap',
        final_norm=False,  # MAE fine-tuning: LN after pooling instead
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=7,
        in_channels=768,
        loss=dict(type='mmpretrain.CrossEntropyLoss')),
    mode='progressive',
    # tokens (B, 1 + N, D): a per-token Linear(D, D), the 1x1-conv analogue
    decoupler=dict(kind='linear', zero_init=True),
    domain_loss_weight=1.0,
    domain_source='augment',
    augment=dict(
        type='GaussianBlurDomainAugment',
        kernel_size=23,
        sigma=(1.0, 3.0),
        prob=1.0))
