"""The ViT encoder of MCM pre-training: sees only the visible patches."""
from typing import Optional, Tuple, Union

import torch
from mmpretrain.models import VisionTransformer

from mmfer.models.utils import sincos_pos_embed
from mmfer.registry import MODELS


@MODELS.register_module()
class MCMViT(VisionTransformer):
    """ViT with fixed 2-D sin-cos position embedding and token masking.

    Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
    AutoEncoder on Facial Action Unit Detection", WACV 2024, Sec. 3.2-3.3:
    the channel-mixed image is patch-embedded, the fixed 2-D sin-cos
    position embedding (MoCo v3) is added, a mask generator removes a
    subset of the patch tokens, and a stack of Transformer blocks (Eq. 1-2)
    encodes the visible ones only. Where the paper is silent this follows
    MAE (He et al., CVPR 2022): a class token is prepended after masking,
    LayerNorm eps 1e-6, xavier-uniform patch projection. (The paper's
    "ViT-base with 12 blocks and 512-dim" is read as ViT-B/16, width 768,
    which matches its 85M encoder parameters; 512 is the decoder width.)

    Parameter names equal ``mmpretrain.VisionTransformer``'s, so a
    pre-trained checkpoint loads into a fine-tuning ``VisionTransformer``
    with ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=
    'backbone.')``. The masking is delegated to a registered mask
    generator (:class:`mmfer.models.mask_generators.BaseMaskGenerator`),
    so a learned generator replaces the random one by config.

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
        >>> enc = MCMViT(arch=dict(embed_dims=32, num_layers=1, num_heads=2,
        ...              feedforward_channels=64), img_size=32, patch_size=8)
        >>> latent, mask, ids_restore = enc(torch.rand(2, 3, 32, 32))
        >>> latent.shape, mask.shape  # 8 of 16 patches visible + cls token
        (torch.Size([2, 9, 32]), torch.Size([2, 16]))
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
            raise ValueError('MCMViT keeps the class token (as MAE); use '
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
                mask: bool = True
                ) -> Union[Tuple[torch.Tensor, torch.Tensor, torch.Tensor],
                           Tuple[torch.Tensor, ...]]:
        """Encode the visible patches (``mask=True``) or all of them.

        Args:
            x (torch.Tensor): (B, 3, H, W) channel-mixed images.
            mask (bool): mask with the generator (pre-training). With
                False this is ``VisionTransformer.forward`` (all tokens,
                ``out_type`` output). Defaults to True.

        Returns:
            tuple: with ``mask=True``: ``latent`` (B, 1 + L_keep, D) (class
            token first, after the final norm), ``mask`` (B, L) 1 = masked,
            ``ids_restore`` (B, L).
        """
        if not mask:
            return super().forward(x)
        B = x.shape[0]
        tokens, hw = self.patch_embed(x)  # (B, L, D)
        if tuple(hw) != tuple(self.patch_resolution):
            raise ValueError(
                f'MCMViT was built for {self.img_size} inputs '
                f'({self.patch_resolution} patches) but got {tuple(x.shape)}')
        tokens = tokens + self.pos_embed[:, 1:, :]  # (B, L, D)
        kept, mask_, ids_restore = self.mask_generator(tokens)  # (B, K, D)
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(B, -1, -1)
        h = torch.cat([cls, kept], dim=1)  # (B, 1 + K, D)
        h = self.drop_after_pos(h)
        h = self.pre_norm(h)
        for layer in self.layers:
            h = layer(h)
        if self.final_norm:
            h = self.ln1(h)
        return h, mask_, ids_restore
