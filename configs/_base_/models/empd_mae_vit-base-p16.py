# EMPD pre-training model (Zhong et al., "Expression-aware masking and
# progressive decoupling for cross-database facial expression recognition",
# Sec. III-A, Fig. 2-3): MAE on RGB faces with the expression-aware mask
# generator ESGM in place of random masking. mmfer's MCM / MaskedViT
# machinery with one modality, no Channel-Mixing and one decoder; the loss is
# Eq. 8, L_pt = L_rec (Eq. 7, loss_rgb) + lambda_1 L_mask (Eq. 6, loss_mask).
#
# Encoder: ViT-B/16 at 224 (Sec. IV-A: "the MAE pretrained on ImageNet-1K as
# the backbone"); the decoder is MAE's (8 blocks, width 512, 16 heads) since
# EMPD follows MAE and is silent on it.
model = dict(
    type='MCM',
    modalities=('rgb', ),
    channel_mixing=None,
    # ImageNet statistics, those of the MAE ImageNet-1K weights
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375]),
    backbone=dict(
        type='MaskedViT',
        arch='b',
        img_size=224,
        patch_size=16,
        mask_generator=dict(
            type='ESGM',
            # Eq. 4; Fig. 8 / Fig. 5 text (see ESGM's docstring): 0.2
            mask_ratio=0.2,
            embed_dims=768,
            num_heads=12,
            mlp_hidden=768,
            num_patches=196,
            patch_size=16,
            # Eq. 5 over CelebAMask-HQ's merged 19-class maps
            parsing_vocabulary='celebamask_hq',
            expression_groups=('nose', 'eye', 'brow', 'mouth', 'lip',
                               'skin'),
            loss_weight=1.0,  # lambda_1 (Sec. IV-A)
            loss_reduction='sum')),  # Eq. 6 sums over the patches
    neck=dict(
        type='MultiModalMAEDecoders',
        num_patches=196,
        patch_size=16,
        embed_dim=768,
        decoder_embed_dim=512,
        decoder_depths=dict(rgb=8),
        decoder_num_heads=16),
    # Eq. 7: squared error against the pixels of the masked patches
    head=dict(
        type='MultiModalReconstructionHead', patch_size=16, norm_pix=False),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
