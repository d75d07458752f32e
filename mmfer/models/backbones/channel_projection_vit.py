"""A ViT whose input channels are first projected by a 1x1 convolution."""
from typing import Tuple

import torch
from mmpretrain.models import VisionTransformer
from torch import nn

from mmfer.registry import MODELS


@MODELS.register_module()
class ChannelProjectionViT(VisionTransformer):
    """``mmpretrain.VisionTransformer`` behind a learned 1x1 channel stem.

    Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
    AutoEncoder on Facial Action Unit Detection", WACV 2024, Table 4,
    "Finetune" rows "VD without CM": "A 1x1 convolutional layer is used to
    reduce the 4-channel RGBD to 3 channels for embedding", i.e. early
    fusion by a learned per-pixel channel combination instead of
    Channel-Mixing::

        x' = W x + b,   W: (3, 4), per pixel      # (B, 4, H, W) -> (B, 3, H, W)
        ViT(x')                                    # unchanged 3-channel ViT

    Every other parameter keeps ``VisionTransformer``'s name, so RGB
    checkpoints (MAE ImageNet, MCM pre-training) load with
    ``init_cfg=dict(type='Pretrained', prefix='backbone.', ...)``; the stem
    ``channel_proj`` is not in them and keeps its initialisation. The paper
    gives none; ``stem_init='identity'`` (default, mmfer's choice) starts
    as the RGB model (output channel k = input channel k, the extra
    channels weighted 0), ``stem_init='default'`` uses PyTorch's.

    Args:
        in_channels (int): input channels (4 for RGB + Depth). Defaults
            to 4.
        proj_channels (int): channels after the stem, i.e. the patch
            embedding's input. Defaults to 3.
        stem_init (str): ``'identity'`` or ``'default'``.
        **kwargs: ``VisionTransformer`` arguments (``arch``, ``img_size``,
            ``patch_size``, ``out_type``, ``init_cfg``, ...).

    Examples:
        >>> vit = ChannelProjectionViT(
        ...     arch=dict(embed_dims=32, num_layers=1, num_heads=2,
        ...               feedforward_channels=64),
        ...     img_size=32, patch_size=8, out_type='featmap')
        >>> vit(torch.rand(2, 4, 32, 32))[0].shape
        torch.Size([2, 32, 4, 4])
    """

    STEM_INITS = ('identity', 'default')

    def __init__(self,
                 in_channels: int = 4,
                 proj_channels: int = 3,
                 stem_init: str = 'identity',
                 **kwargs):
        if stem_init not in self.STEM_INITS:
            raise ValueError(f'ChannelProjectionViT: stem_init must be one '
                             f'of {self.STEM_INITS}, got {stem_init!r}.')
        if in_channels < 1 or proj_channels < 1:
            raise ValueError('ChannelProjectionViT: in_channels and '
                             'proj_channels must be positive, got '
                             f'{in_channels} and {proj_channels}.')
        super().__init__(in_channels=proj_channels, **kwargs)
        self.in_channels = in_channels
        self.stem_init = stem_init
        self.channel_proj = nn.Conv2d(in_channels, proj_channels, 1)
        self._init_stem()

    def _init_stem(self) -> None:
        if self.stem_init == 'default':
            self.channel_proj.reset_parameters()
            return
        w = self.channel_proj.weight.data  # (C_out, C_in, 1, 1)
        w.zero_()
        k = min(w.shape[0], w.shape[1])
        w[range(k), range(k)] = 1.0
        self.channel_proj.bias.data.zero_()

    def init_weights(self) -> None:
        """``VisionTransformer``'s; the stem keeps ``stem_init`` unless a
        checkpoint is loaded (one holding ``channel_proj`` sets it)."""
        super().init_weights()
        if not (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained'):
            self._init_stem()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(B, in_channels, H, W) -> ``VisionTransformer`` outputs."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'ChannelProjectionViT expects (B, {self.in_channels}, H, '
                f'W) inputs, got {tuple(x.shape)}. Load as many channels '
                '(LoadFaceModalities) as in_channels.')
        return super().forward(self.channel_proj(x))  # (B, 3, H, W) in

    def get_layer_depth(self, param_name: str, prefix: str = ''):
        """Layer-wise lr decay: the stem is layer 0, like the patch
        embedding it feeds."""
        if param_name.startswith(prefix + 'channel_proj'):
            return 0, self.num_layers + 2
        return super().get_layer_depth(param_name, prefix)
