# EMPD fine-tuning network, the "MAE+ResNet18" reading (Zhong et al.,
# "Expression-aware Masking and Progressive Decoupling for Cross-database
# Facial Expression Recognition", Sec. III-B, Fig. 6-7, Table V): ResNet-18
# run block by block (StagedResNet: stem + 4 residual stages), a 3x3-conv
# decoupler after every stage, F^{i+1} = F^i - F_d^i (Eq. 9); the pooled
# F_exp = F^4 feeds the 7-class expression head (CE, Eq. 11) and
# F_dom = sum_i W_i GAP(F_d^i) (Eq. 10, per-stage GAP + linear projection to
# 512 because the stages differ in shape) the domain classifier (BCE for the
# single-source setting's two domains, Eq. 12); L_ft = L_exp + 1.0 L_dom
# (Eq. 13, lambda_2 = 1). Single source: each training batch gets Gaussian-
# blurred copies x_a (domain 1; originals domain 0) that also train L_exp.
#
# Why ResNet-18: Fig. 6 shows "the domain features separated from the four
# blocks of ResNet", Fig. 7 the blocks' Grad-CAMs, and Eq. 9's decoupler is
# "a convolution operator with the same channels before and after"; Table II
# and III name the baseline "MAE+ResNet18". The paper does not say how the
# ViT encoder of its ESGM pre-training initialises a ResNet-18, so this base
# starts from scratch; ImageNet weights:
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#     model.backbone.init_cfg.checkpoint=https://download.openmmlab.com/mmclassification/v0/resnet/resnet18_8xb32_in1k_20210831-fbbb1da6.pth
# The ViT reading (ESGM encoder split into 4 x 3 blocks):
# empd_pded_vit-base-p16.py.
model = dict(
    type='PDEDClassifier',
    # ImageNet statistics (RGB order)
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]),
    backbone=dict(type='StagedResNet', depth=18),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=7,
        in_channels=512,
        loss=dict(type='mmpretrain.CrossEntropyLoss')),
    # the domain head (DomainClsHead) is built from the backbone's stage
    # widths; 'single' / 'parallel' / 'cyclic' / 'none' are Table V's
    # variants (configs/empd/ablations/)
    mode='progressive',
    # zero-initialised: the encoder's features pass unchanged at step 0
    decoupler=dict(kind='conv3x3', zero_init=True),
    domain_loss_weight=1.0,
    domain_source='augment',
    # the paper gives no blur parameters: SimCLR's 23 px kernel (10% of
    # 224 px) with sigma 1-3 px, every sample copied
    augment=dict(
        type='GaussianBlurDomainAugment',
        kernel_size=23,
        sigma=(1.0, 3.0),
        prob=1.0))
