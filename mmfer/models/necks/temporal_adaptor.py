"""Intermediate temporal adaptor: temporal self-attention over the frames'
cls tokens inside the image encoder, fused back into every frame.

MMA-DFER: MultiModal Adaptation of unimodal models for Dynamic Facial
Expression Recognition in-the-wild (Chumachenko et al., CVPR-W 2024),
https://arxiv.org/abs/2404.09010, Sec. 4.4, Table 2 ("ITA"); after the
temporal modules of S2D (Chen et al., arXiv:2312.05447).
"""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from mmfer.registry import MODELS


@MODELS.register_module()
class IntermediateTemporalAdaptor(BaseModule):
    """Temporal self-attention over per-frame cls tokens, gated back into
    the frames (MMA-DFER Table 2's ITA).

    For a clip's token stream ``V`` (B, T, N, D) with the cls token at
    index 0 of every frame::

        z = LN(Linear_D->d(V[:, :, 0])) + E_t      # (B, T, d)
        h = MHSA(z)                                # (B, T, d), over T
        u = GELU(Linear_d->D(h))                   # (B, T, D)
        V' = V + tanh(α) u[:, :, None]             # every token of frame t

    ``E_t`` is a learnable temporal position embedding, α starts at 0 (the
    block starts as the identity, like the Fusion Bottleneck's gate). The
    paper places one adaptor after every Fusion Bottleneck; it gives no
    further detail. The paper's ITA-128 shares the Fusion Bottleneck's
    128-d projections (0.8M parameters for 12 blocks); this module has its
    own down/up projections, so it also runs without fusion and its
    parameter counts are larger (see ``configs/mma_dfer/README.md``).

    Args:
        in_channels (int): token width D. Defaults to 768.
        latent_dims (int): attention width d. Defaults to 128.
        num_heads (int): attention heads. Defaults to 2.
        num_frames (int): the longest clip T (rows of ``E_t``). Defaults
            to 16.
        init_cfg (dict, optional): mmengine init config.

    Examples:
        >>> import torch
        >>> ita = IntermediateTemporalAdaptor(
        ...     in_channels=32, latent_dims=8, num_frames=4)
        >>> ita(torch.rand(2, 4, 5, 32)).shape
        torch.Size([2, 4, 5, 32])
    """

    def __init__(self,
                 in_channels: int = 768,
                 latent_dims: int = 128,
                 num_heads: int = 2,
                 num_frames: int = 16,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if latent_dims % num_heads:
            raise ValueError(f'latent_dims={latent_dims} must be divisible '
                             f'by num_heads={num_heads}.')
        self.in_channels = in_channels
        self.latent_dims = latent_dims
        self.num_frames = num_frames
        self.down = nn.Sequential(
            nn.Linear(in_channels, latent_dims), nn.LayerNorm(latent_dims))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_frames, latent_dims))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.attn = nn.MultiheadAttention(
            latent_dims, num_heads, batch_first=True)
        self.up = nn.Sequential(nn.Linear(latent_dims, in_channels), nn.GELU())
        self.alpha = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, N, D) clip tokens, cls first -> (B, T, N, D)."""
        if x.dim() != 4 or x.shape[-1] != self.in_channels:
            raise ValueError(
                'IntermediateTemporalAdaptor takes clip tokens (B, T, N, '
                f'{self.in_channels}); got {tuple(x.shape)}.')
        T = x.shape[1]
        if T > self.num_frames:
            raise ValueError(f'Got {T} frames; the temporal position '
                             f'embedding has {self.num_frames} '
                             '(set num_frames).')
        z = self.down(x[:, :, 0]) + self.pos_embed[:, :T]  # (B, T, d)
        h, _ = self.attn(z, z, z, need_weights=False)  # (B, T, d)
        u = self.up(h)  # (B, T, D)
        return x + torch.tanh(self.alpha) * u[:, :, None]  # (B, T, N, D)
