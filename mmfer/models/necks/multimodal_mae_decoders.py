"""One MAE decoder per reconstructed modality (MCM: RGB 8 blocks, D 4, T 4)."""
from typing import Dict, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule, ModuleDict

from mmfer.registry import MODELS
from mmfer.structures.modalities import MODALITY_CHANNELS


@MODELS.register_module()
class MultiModalMAEDecoders(BaseModule):
    """One asymmetric MAE decoder per reconstructed modality.

    Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
    AutoEncoder on Facial Action Unit Detection", WACV 2024, Sec. 3.4 and
    Fig. 2: the shared visible-patch encoding ``e`` is decoded by three
    decoders, ``de_v = {e, m_v}``, ``de_d = {e, m_d}``, ``de_t = {e,
    m_t}``, each with its own mask token and position embedding, with 8, 4
    and 4 Transformer blocks for RGB, Depth and Thermal; the last layer of
    each is a linear projection to the pixels of one patch of its modality.
    Width 512 and 16 heads follow MAE (the paper: "ViT-base ... as the
    encoder and decoders", decoder width unstated). Each decoder is
    ``mmpretrain.MAEPretrainDecoder`` (fixed 2-D sin-cos decoder position
    embedding; square patch grids). The paper defines the decoder blocks
    by its Eq. 1-2, which are post-norm (LayerNorm after each residual
    sum); MAE's blocks used here are pre-norm (LayerNorm before attention
    and MLP), like the encoder's (see :class:`~mmfer.models.selfsup.
    MaskedViT`).

    Only the decoders of ``modalities`` are built, so RGB-only pre-training
    (DISFA-like data) has a single decoder.

    Args:
        modalities (Sequence[str]): reconstructed modalities, any of
            ``'rgb'`` (3 channels), ``'depth'``, ``'thermal'`` (1 channel).
            Defaults to all three.
        num_patches (int): L. Defaults to 196 (224 / 16 squared).
        patch_size (int): P. Defaults to 16.
        embed_dim (int): encoder width. Defaults to 768 (ViT-B).
        decoder_embed_dim (int): decoder width. Defaults to 512.
        decoder_depths (dict): blocks per modality. Defaults to
            ``dict(rgb=8, depth=4, thermal=4)`` (Sec. 3.4).
        decoder_num_heads (int): Defaults to 16.
        mlp_ratio (int): Defaults to 4.
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> dec = MultiModalMAEDecoders(
        ...     modalities=('rgb', 'depth'), num_patches=16, patch_size=8,
        ...     embed_dim=32, decoder_embed_dim=32, decoder_num_heads=2,
        ...     decoder_depths=dict(rgb=1, depth=1))
        >>> preds = dec(torch.rand(2, 9, 32), torch.arange(16).repeat(2, 1))
        >>> {k: tuple(v.shape) for k, v in preds.items()}
        {'rgb': (2, 16, 192), 'depth': (2, 16, 64)}
    """

    DEFAULT_DEPTHS = dict(rgb=8, depth=4, thermal=4)

    def __init__(self,
                 modalities: Sequence[str] = ('rgb', 'depth', 'thermal'),
                 num_patches: int = 196,
                 patch_size: int = 16,
                 embed_dim: int = 768,
                 decoder_embed_dim: int = 512,
                 decoder_depths: Optional[Dict[str, int]] = None,
                 decoder_num_heads: int = 16,
                 mlp_ratio: int = 4,
                 init_cfg: Optional[Union[dict, list]] = None):
        super().__init__(init_cfg=init_cfg)
        depths = dict(self.DEFAULT_DEPTHS)
        depths.update(decoder_depths or {})
        unknown = [m for m in modalities if m not in depths
                   or m not in MODALITY_CHANNELS]
        if unknown or not modalities:
            raise ValueError(
                'MultiModalMAEDecoders: cannot reconstruct modalities '
                f'{unknown or "()"}'
                f'; valid ones are {sorted(self.DEFAULT_DEPTHS)} (or add a '
                'depth to decoder_depths).')
        if int(num_patches**.5)**2 != num_patches:
            raise ValueError('MAEPretrainDecoder needs a square patch grid, '
                             f'got num_patches={num_patches}')
        self.modalities = tuple(modalities)
        self.patch_size = patch_size
        # mmengine's ModuleDict: init_weights reaches every decoder
        self.decoders = ModuleDict({
            m: MODELS.build(
                dict(
                    type='mmpretrain.MAEPretrainDecoder',
                    num_patches=num_patches,
                    patch_size=patch_size,
                    in_chans=MODALITY_CHANNELS[m],
                    embed_dim=embed_dim,
                    decoder_embed_dim=decoder_embed_dim,
                    decoder_depth=depths[m],
                    decoder_num_heads=decoder_num_heads,
                    mlp_ratio=mlp_ratio))
            for m in self.modalities
        })

    def forward(self, latent: torch.Tensor,
                ids_restore: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Decode the visible tokens into every modality's patches.

        Args:
            latent (torch.Tensor): (B, 1 + L_keep, D) encoder output (class
                token first).
            ids_restore (torch.Tensor): (B, L) from the mask generator.

        Returns:
            dict[str, torch.Tensor]: modality -> (B, L, P*P*C_m) predicted
            pixels of every patch.
        """
        return {
            m: dec(latent, ids_restore)
            for m, dec in self.decoders.items()
        }


# the name of the MCM configs written before the generic name
MODELS.register_module(name='MCMDecoders', module=MultiModalMAEDecoders)
