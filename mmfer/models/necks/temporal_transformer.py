"""Multimodal Temporal Transformer over per-frame joint features.

MMA-DFER: MultiModal Adaptation of unimodal models for Dynamic Facial
Expression Recognition in-the-wild (Chumachenko et al., CVPR-W 2024),
https://arxiv.org/abs/2404.09010, Sec. 3.4.
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from torch import nn

from mmfer.registry import MODELS


@MODELS.register_module()
class MultimodalTemporalTransformer(BaseModule):
    """Pre-norm transformer over a (B, T, D) sequence; returns its cls token.

    A learnable cls token is prepended, a learnable temporal position
    embedding (``1 + num_frames`` rows, randn init; the first ``T + 1`` rows
    are used) added, then ``depth`` pre-norm layers (LayerNorm eps 1e-5,
    attention without q/k/v bias, MLP with the tanh-approximated GELU as the
    official implementation) run; the output is the cls token.

    Args:
        embed_dims (int): D. Defaults to 512.
        depth (int): number of layers. Defaults to 1.
        num_heads (int): heads (head width ``embed_dims / num_heads``, 64
            by default). Defaults to 8.
        feedforward_channels (int): MLP width. Defaults to 1024.
        num_frames (int): the longest sequence T. Defaults to 16.
        qkv_bias (bool): Defaults to False.
        init_cfg (dict, optional): mmengine init config.

    Examples:
        >>> import torch
        >>> mtt = MultimodalTemporalTransformer(
        ...     embed_dims=32, num_heads=2, feedforward_channels=64,
        ...     num_frames=8)
        >>> mtt(torch.rand(2, 8, 32)).shape
        torch.Size([2, 32])
    """

    def __init__(self,
                 embed_dims: int = 512,
                 depth: int = 1,
                 num_heads: int = 8,
                 feedforward_channels: int = 1024,
                 num_frames: int = 16,
                 qkv_bias: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} must be divisible by '
                             f'num_heads={num_heads}.')
        self.embed_dims = embed_dims
        self.num_frames = num_frames
        self.cls_token = nn.Parameter(torch.randn(1, 1, embed_dims))
        self.pos_embed = nn.Parameter(
            torch.randn(1, num_frames + 1, embed_dims))
        self.layers = nn.ModuleList([
            TransformerEncoderLayer(
                embed_dims=embed_dims,
                num_heads=num_heads,
                feedforward_channels=feedforward_channels,
                qkv_bias=qkv_bias,
                act_cfg=dict(type='GELU', approximate='tanh'),
                norm_cfg=dict(type='LN')) for _ in range(depth)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, D) per-frame features -> (B, D) cls feature."""
        B, T, _ = x.shape
        if T > self.num_frames:
            raise ValueError(f'Got {T} frames; the temporal position '
                             f'embedding has {self.num_frames} '
                             '(set num_frames).')
        x = torch.cat([self.cls_token.expand(B, -1, -1), x], dim=1)
        x = x + self.pos_embed[:, :T + 1]  # (B, 1+T, D)
        for layer in self.layers:
            x = layer(x)
        return x[:, 0]
