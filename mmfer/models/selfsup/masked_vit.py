"""A masked-autoencoder ViT encoder: sees only the visible patches."""
from typing import List, Optional, Tuple, Union

import torch
from mmpretrain.models import VisionTransformer

from mmfer.models.utils import sincos_pos_embed
from mmfer.registry import MODELS


@MODELS.register_module()
class MaskedViT(VisionTransformer):
    """ViT with fixed 2-D sin-cos position embedding and token masking.

    The encoder of MAE (He et al., "Masked Autoencoders Are Scalable
    Vision Learners", CVPR 2022, https://arxiv.org/abs/2111.06377) and of
    MCM (Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial
    Masked AutoEncoder on Facial Action Unit Detection", WACV 2024,
    https://arxiv.org/abs/2209.12244, Sec. 3.2-3.3): the (channel-mixed)
    image is patch-embedded, the fixed 2-D sin-cos position embedding
    (MoCo v3) is added, a mask generator removes a subset of the patch
    tokens, and a stack of Transformer blocks encodes the visible ones
    only. Where MCM is silent this follows MAE: a class token is prepended
    after masking, LayerNorm eps 1e-6, xavier-uniform patch projection.
    (MCM's "ViT-base with 12 blocks and 512-dim" is read as ViT-B/16,
    width 768, which matches its 85M encoder parameters; 512 is the
    decoder width.)

    Blocks: MCM's Eq. 1-2 are post-norm, ``w'_l = LN(w_{l-1} +
    MSA(w_{l-1}))``, ``w_l = LN(w'_l + FF(w'_l))``; the blocks here are
    mmpretrain's pre-norm ones, ``w'_l = w_{l-1} + MSA(LN(w_{l-1}))``,
    ``w_l = w'_l + FF(LN(w'_l))``, as in ViT and MAE, because MCM starts
    from MAE's ImageNet weights (Sec. 4.3), which were trained pre-norm.

    Parameter names equal ``mmpretrain.VisionTransformer``'s, so a
    pre-trained checkpoint loads into a fine-tuning ``VisionTransformer``
    with ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=
    'backbone.')``. The masking is delegated to a registered mask
    generator (:class:`mmfer.models.mask_generators.BaseMaskGenerator`),
    so a learned generator replaces the random one by config; the data
    samples are passed through to it, and its loss terms are returned for
    the self-supervised model to add to its losses.

    Args:
        arch (str | dict): as in ``mmpretrain.VisionTransformer``
            (``'b'``, ``'l'``, ... or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads``, ``feedforward_channels``).
            Defaults to ``'b'``.
        img_size (int): input size. Defaults to 224.
        patch_size (int): patch size. Defaults to 16.
        mask_generator (dict | nn.Module): defaults to
            ``dict(type='SpatialMask', mask_ratio=0.5)`` (MCM supp. Fig. 1b).
        **kwargs: other ``VisionTransformer`` arguments (``drop_path_rate``,
            ``init_cfg``, ...). ``out_type`` applies to unmasked calls.

    Examples:
        >>> enc = MaskedViT(arch=dict(embed_dims=32, num_layers=1,
        ...                           num_heads=2, feedforward_channels=64),
        ...                 img_size=32, patch_size=8)
        >>> latent, mask, ids_restore, losses = enc(torch.rand(2, 3, 32, 32))
        >>> latent.shape, mask.shape, losses  # 8 of 16 visible + cls token
        (torch.Size([2, 9, 32]), torch.Size([2, 16]), {})
    """

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: int = 224,
                 patch_size: int = 16,
                 mask_generator: Union[dict, torch.nn.Module] = dict(
                     type='SpatialMask', mask_ratio=0.5),
                 out_type: str = 'raw',
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 **kwargs):
        if kwargs.get('with_cls_token') is False:
            raise ValueError('MaskedViT keeps the class token (as MAE); use '
                             'out_type to choose the output of unmasked '
                             'calls.')
        kwargs.pop('with_cls_token', None)
        super().__init__(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            out_type=out_type,
            norm_cfg=norm_cfg,
            with_cls_token=True,
            **kwargs)
        self.pos_embed.requires_grad = False  # fixed sin-cos (Sec. 3.3)
        if not isinstance(mask_generator, torch.nn.Module):
            mask_generator = MODELS.build(mask_generator)
        self.mask_generator = mask_generator

    @property
    def num_patches(self) -> int:
        return self.patch_resolution[0] * self.patch_resolution[1]

    def _is_pretrained(self) -> bool:
        return (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained')

    def init_weights(self) -> None:
        """Sin-cos position embedding and MAE's initialisation, unless a
        pre-trained checkpoint is loaded (which is then kept as loaded)."""
        super().init_weights()
        if self._is_pretrained():
            return
        self.pos_embed.data.copy_(
            sincos_pos_embed(self.patch_resolution, self.embed_dims,
                             cls_token=True))
        w = self.patch_embed.projection.weight.data
        torch.nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        torch.nn.init.normal_(self.cls_token, std=.02)

    def forward(self,
                x: torch.Tensor,
                mask: bool = True,
                data_samples: Optional[List] = None) -> Tuple:
        """Encode the visible patches (``mask=True``) or all of them.

        Args:
            x (torch.Tensor): (B, C, H, W) images (channel-mixed in MCM).
            mask (bool): mask with the generator (pre-training). With
                False this is ``VisionTransformer.forward`` (all tokens,
                ``out_type`` output). Defaults to True.
            data_samples (list, optional): the batch's data samples, passed
                to the mask generator (e.g. parsing maps for a learned
                one). Defaults to None.

        Returns:
            tuple: with ``mask=True``: ``latent`` (B, 1 + L_keep, D) (class
            token first, after the final norm), ``mask`` (B, L) 1 = masked,
            ``ids_restore`` (B, L) and the generator's ``losses`` (dict,
            empty for :class:`~mmfer.models.mask_generators.SpatialMask`).
        """
        if not mask:
            return super().forward(x)
        B = x.shape[0]
        tokens, hw = self.patch_embed(x)  # (B, L, D)
        if tuple(hw) != tuple(self.patch_resolution):
            raise ValueError(
                f'MaskedViT was built for {self.img_size} inputs '
                f'({self.patch_resolution} patches) but got {tuple(x.shape)}')
        tokens = tokens + self.pos_embed[:, 1:, :]  # (B, L, D)
        res = self.mask_generator(tokens, data_samples)  # MaskResult
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(B, -1, -1)
        h = torch.cat([cls, res.kept], dim=1)  # (B, 1 + K, D)
        h = self.drop_after_pos(h)
        h = self.pre_norm(h)
        for layer in self.layers:
            h = layer(h)
        if self.final_norm:
            h = self.ln1(h)
        return h, res.mask, res.ids_restore, res.losses


# the name of the MCM configs written before the generic name
MODELS.register_module(name='MCMViT', module=MaskedViT)
