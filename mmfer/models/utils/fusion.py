"""Helpers shared by the modules that fuse two token streams.

Used by :class:`~mmfer.models.necks.FusionBottleneck` and its alternatives
in :mod:`mmfer.models.necks.fusion_baselines` (MMA-DFER, Chumachenko et
al., CVPR-W 2024, https://arxiv.org/abs/2404.09010, Sec. 3.3 and Table 3):
grouping a stream into (B, G, N, D) sequences, checking that two streams
pair up, and the per-stream down / up projections of Eq. (2) and (4).
"""
from typing import Sequence, Tuple

import torch
from torch import nn


def as_groups(x: torch.Tensor) -> Tuple[torch.Tensor, bool]:
    """View a token stream as (B, G, N, D) groups of sequences per sample.

    A clip of ``G`` frames is (B, G, N, D); a single sequence (B, N, D) is
    one group, G = 1.

    Returns:
        tuple: the (B, G, N, D) view and whether the input was 3-D.
    """
    if x.dim() == 3:
        return x.unsqueeze(1), True  # (B, 1, N, D)
    if x.dim() == 4:
        return x, False
    raise ValueError('A token stream must be (B, N, D) or (B, G, N, D) '
                     f'(G sequences per sample, e.g. frames); got '
                     f'{tuple(x.shape)}.')


def down_projections(in_channels: Sequence[int],
                     latent_dims: int) -> nn.ModuleList:
    """Per-stream Linear(D_i -> d) + LayerNorm(d) (G_V, G_A of Eq. (2))."""
    return nn.ModuleList([
        nn.Sequential(nn.Linear(c, latent_dims), nn.LayerNorm(latent_dims))
        for c in in_channels
    ])


def up_projections(latent_dims: int,
                   in_channels: Sequence[int]) -> nn.ModuleList:
    """Per-stream Linear(d -> D_i) + GELU (F_V, F_A of Eq. (4))."""
    return nn.ModuleList([
        nn.Sequential(nn.Linear(latent_dims, c), nn.GELU())
        for c in in_channels
    ])


def check_pair(x_a: torch.Tensor, x_b: torch.Tensor,
               in_channels: Sequence[int]) -> None:
    """Batch sizes of two grouped streams agree; widths match the module."""
    if x_a.shape[0] != x_b.shape[0]:
        raise ValueError(f'The two streams have batch sizes {x_a.shape[0]} '
                         f'and {x_b.shape[0]}; they must be paired samples.')
    for x, c, n in ((x_a, in_channels[0], 'first'),
                    (x_b, in_channels[1], 'second')):
        if x.shape[-1] != c:
            raise ValueError(f'The {n} stream has width {x.shape[-1]}, the '
                             f'fusion module was built for {c}.')
