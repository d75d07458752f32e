"""Fusion alternatives compared with the Fusion Bottleneck (MMA-DFER Table 3).

MMA-DFER: MultiModal Adaptation of unimodal models for Dynamic Facial
Expression Recognition in-the-wild (Chumachenko et al., CVPR-W 2024),
https://arxiv.org/abs/2404.09010, Sec. 4.5. The paper describes them in one
sentence each; the choices not stated there are documented per class. All
share :class:`FusionBottleneck`'s interface ``(x_a, x_b) -> (x_a', x_b')``
on (B, [G,] N, D) streams and its zero-initialised tanh gates, so every
variant starts as the identity. ("None" is ``fusion=None`` in
:class:`~mmfer.models.recognizers.MMADFER`.)
"""
from typing import Tuple

import torch
from mmengine.model import BaseModule
from mmpretrain.models.backbones.vision_transformer import \
    TransformerEncoderLayer
from torch import nn

from mmfer.models.utils import (as_groups, check_pair, down_projections,
                                up_projections)
from mmfer.registry import MODELS


class _GatedPairFusion(BaseModule):
    """Shared parts: widths, per-stream gates α (init 0), grouping."""

    def __init__(self, in_channels=768, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.in_channels = tuple(in_channels)
        self.alpha = nn.Parameter(torch.zeros(2))

    def fuse(self, a, b):
        """(B, G_a, N_a, D_a), (B, G_b, N_b, D_b) -> residual updates."""
        raise NotImplementedError

    def forward(self, x_a: torch.Tensor,
                x_b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        (a, a_3d), (b, b_3d) = as_groups(x_a), as_groups(x_b)
        check_pair(a, b, self.in_channels)
        u_a, u_b = self.fuse(a, b)
        a = a + torch.tanh(self.alpha[0]) * u_a
        b = b + torch.tanh(self.alpha[1]) * u_b
        return (a.squeeze(1) if a_3d else a), (b.squeeze(1) if b_3d else b)


@MODELS.register_module()
class AddFusion(_GatedPairFusion):
    """"ADD": addition in the original space, no compression/expansion.

    ``A' = A + tanh(α_a) mean(V)``, ``V' = V + tanh(α_v) mean(A)``: the
    Fusion Bottleneck without its projections (both widths must match).

    Examples:
        >>> import torch
        >>> v, a = AddFusion(16)(torch.rand(2, 3, 5, 16), torch.rand(2, 7, 16))
        >>> v.shape, a.shape
        (torch.Size([2, 3, 5, 16]), torch.Size([2, 7, 16]))
    """

    def __init__(self, in_channels=768, init_cfg=None):
        super().__init__(in_channels, init_cfg)
        if self.in_channels[0] != self.in_channels[1]:
            raise ValueError(f'AddFusion adds in the original space; widths '
                             f'{self.in_channels} must be equal.')

    def fuse(self, a, b):
        g_a = a.mean(dim=(1, 2))[:, None, None]  # (B, 1, 1, D)
        g_b = b.mean(dim=(1, 2))[:, None, None]  # (B, 1, 1, D)
        return g_b.expand_as(a), g_a.expand_as(b)


@MODELS.register_module()
class MULTFusion(_GatedPairFusion):
    """"MULT": cross-modal attention both ways (Tsai et al., ACL 2019).

    Each stream is projected to ``latent_dims`` (Linear + LayerNorm); the
    tokens of the first stream (all its frames) attend to the tokens of the
    second and vice versa (``num_heads`` heads, 2 x 64 = 128 as the paper);
    each output is projected back (Linear + GELU) and added to its branch
    through the gate.

    Examples:
        >>> import torch
        >>> m = MULTFusion((32, 16), latent_dims=8, num_heads=2)
        >>> v, a = m(torch.rand(2, 3, 5, 32), torch.rand(2, 7, 16))
        >>> v.shape, a.shape
        (torch.Size([2, 3, 5, 32]), torch.Size([2, 7, 16]))
    """

    def __init__(self, in_channels=768, latent_dims: int = 128,
                 num_heads: int = 2, init_cfg=None):
        super().__init__(in_channels, init_cfg)
        d = latent_dims
        self.down = down_projections(self.in_channels, d)
        self.attn = nn.ModuleList([
            nn.MultiheadAttention(d, num_heads, batch_first=True)
            for _ in range(2)
        ])  # attn[0]: a attends to b; attn[1]: b attends to a
        self.up = up_projections(d, self.in_channels)

    def fuse(self, a, b):
        B, Ga, Na, _ = a.shape
        _, Gb, Nb, _ = b.shape
        z_a = self.down[0](a).flatten(1, 2)  # (B, Ga*Na, d)
        z_b = self.down[1](b).flatten(1, 2)  # (B, Gb*Nb, d)
        h_a = self.attn[0](z_a, z_b, z_b, need_weights=False)[0]
        h_b = self.attn[1](z_b, z_a, z_a, need_weights=False)[0]
        u_a = self.up[0](h_a).view(B, Ga, Na, -1)  # (B, Ga, Na, D_a)
        u_b = self.up[1](h_b).view(B, Gb, Nb, -1)  # (B, Gb, Nb, D_b)
        return u_a, u_b


@MODELS.register_module()
class MULTConcatFusion(_GatedPairFusion):
    """"MULT-concat": one transformer over the concatenated streams.

    Both streams are projected to ``latent_dims`` (Linear + LayerNorm),
    concatenated (all frames' tokens and all tokens of the other stream),
    passed through one pre-norm transformer layer (``num_heads`` heads, MLP
    ``4 * latent_dims``); its global average is projected back per stream
    (Linear + GELU) and added to every token through the gate.

    Examples:
        >>> import torch
        >>> m = MULTConcatFusion((32, 16), latent_dims=8, num_heads=2)
        >>> v, a = m(torch.rand(2, 3, 5, 32), torch.rand(2, 7, 16))
        >>> v.shape, a.shape
        (torch.Size([2, 3, 5, 32]), torch.Size([2, 7, 16]))
    """

    def __init__(self, in_channels=768, latent_dims: int = 128,
                 num_heads: int = 2, init_cfg=None):
        super().__init__(in_channels, init_cfg)
        d = latent_dims
        self.down = down_projections(self.in_channels, d)
        self.transformer = TransformerEncoderLayer(
            embed_dims=d, num_heads=num_heads, feedforward_channels=4 * d,
            norm_cfg=dict(type='LN'))
        self.up = up_projections(d, self.in_channels)

    def fuse(self, a, b):
        z = torch.cat([self.down[0](a).flatten(1, 2),
                       self.down[1](b).flatten(1, 2)], dim=1)  # (B, L, d)
        g = self.transformer(z).mean(dim=1)[:, None, None]  # (B, 1, 1, d)
        return (self.up[0](g).expand(*a.shape),
                self.up[1](g).expand(*b.shape))
