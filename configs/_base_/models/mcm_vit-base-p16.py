# MCM pre-training model (Zhang et al., WACV 2024, Fig. 2): Channel-Mixing of
# the 5-channel RGB+D+T input, ViT-B/16 encoder on the 50% visible patches,
# three MAE decoders (width 512; RGB 8 blocks, Depth 4, Thermal 4), loss Eq. 3
# logged as loss_rgb / loss_depth / loss_thermal. The encoder and decoder
# blocks are pre-norm (MAE's, whose weights the encoder starts from), while
# the paper's Eq. 1-2 are post-norm.
#
# Normalisation: one mean/std for every channel (ImageNet's channel average,
# 0.449 / 0.226), so normalising commutes with channel mixing and the
# per-sample ChannelMixing transform of fine-tuning feeds the encoder the
# same statistics as pre-training (the paper does not state its
# normalisation).
model = dict(
    type='MCM',
    modalities=('rgb', 'depth', 'thermal'),
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        mean=[114.495] * 5,
        std=[57.63] * 5),
    # Sec. 3.1: per 16x16 patch drop 2 of the 5 channels, shuffle the rest
    channel_mixing=dict(
        type='BatchChannelMixing', patch_size=16, num_kept=3),
    backbone=dict(
        type='MaskedViT',
        arch='b',
        img_size=224,
        patch_size=16,
        # Sec. 3.2 + supplementary Fig. 1b: uniform random, 50%
        mask_generator=dict(type='SpatialMask', mask_ratio=0.5)),
    neck=dict(
        type='MultiModalMAEDecoders',
        num_patches=196,
        patch_size=16,
        embed_dim=768,
        decoder_embed_dim=512,
        decoder_depths=dict(rgb=8, depth=4, thermal=4),
        decoder_num_heads=16),
    # Sec. 3.5: MSE against the original pixels of the masked patches;
    # norm_pix=True is MAE's per-patch normalised target instead
    head=dict(
        type='MultiModalReconstructionHead', patch_size=16, norm_pix=False),
    # MAE's initialisation (the paper is silent)
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0)
    ])
