"""Fusion Bottleneck between two token streams.

MMA-DFER: MultiModal Adaptation of unimodal models for Dynamic Facial
Expression Recognition in-the-wild (Chumachenko et al., CVPR-W 2024),
https://arxiv.org/abs/2404.09010, Sec. 3.3, Fig. 2, Eqs. (2)-(5).
"""
from typing import Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from mmfer.models.utils import (as_groups, check_pair, down_projections,
                                up_projections)
from mmfer.registry import MODELS


@MODELS.register_module()
class FusionBottleneck(BaseModule):
    """Low-dimensional fusion of two token streams with a gated residual.

    For streams ``A`` (B, [G_a,] N_a, D_a) and ``V`` (B, [G_v,] N_v, D_v)::

        Â = LN(Linear(A)),  V̂ = LN(Linear(V))          # Eq. (2), (B,..,d)
        L_a = mean over all G_a*N_a tokens of Â             # (B, d)
        L_v = mean over all G_v*N_v tokens of V̂             # Eq. (3), (B, d)
        U_a = GELU(Linear(Â + L_v)), U_v = GELU(Linear(V̂ + L_a))   # Eq. (4)
        A' = A + tanh(α_a) U_a,  V' = V + tanh(α_v) U_v     # Eq. (5)

    Each global average is added to every token of the other stream (cls,
    patches and prompts; for a clip, to every token of every frame). The
    gates α start at 0, so the block starts as the identity. In MMA-DFER
    the first stream is the video (B, T, N, 768), the second the audio
    (B, 256+7, 768), d = 128; any two paired token streams work (e.g. RGB
    and depth ViTs).

    Args:
        in_channels (int | Sequence[int]): widths (D_a, D_b). Defaults to
            768.
        latent_dims (int): bottleneck width d. Defaults to 128.
        init_cfg (dict, optional): mmengine init config.

    Examples:
        >>> import torch
        >>> fb = FusionBottleneck(in_channels=(32, 16), latent_dims=8)
        >>> v, a = fb(torch.rand(2, 4, 5, 32), torch.rand(2, 7, 16))
        >>> v.shape, a.shape
        (torch.Size([2, 4, 5, 32]), torch.Size([2, 7, 16]))
    """

    def __init__(self,
                 in_channels=768,
                 latent_dims: int = 128,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(in_channels, int):
            in_channels = (in_channels, in_channels)
        self.in_channels = tuple(in_channels)
        self.latent_dims = latent_dims
        self.down = down_projections(self.in_channels, latent_dims)
        self.up = up_projections(latent_dims, self.in_channels)
        # α of Eq. (5), one per stream, initialised to 0
        self.alpha = nn.Parameter(torch.zeros(2))

    def forward(self, x_a: torch.Tensor,
                x_b: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Fuse two paired token streams.

        Args:
            x_a (Tensor): (B, N_a, D_a) or (B, G_a, N_a, D_a).
            x_b (Tensor): (B, N_b, D_b) or (B, G_b, N_b, D_b).

        Returns:
            tuple[Tensor, Tensor]: both streams, shapes unchanged.
        """
        (a, a_3d), (b, b_3d) = as_groups(x_a), as_groups(x_b)
        check_pair(a, b, self.in_channels)
        z_a = self.down[0](a)  # (B, G_a, N_a, d)
        z_b = self.down[1](b)  # (B, G_b, N_b, d)
        g_a = z_a.mean(dim=(1, 2))[:, None, None]  # (B, 1, 1, d)
        g_b = z_b.mean(dim=(1, 2))[:, None, None]  # (B, 1, 1, d)
        u_a = self.up[0](z_a + g_b)  # (B, G_a, N_a, D_a)
        u_b = self.up[1](z_b + g_a)  # (B, G_b, N_b, D_b)
        gate = torch.tanh(self.alpha)  # (2, )
        # Eq. (5), one fused multiply-add per stream
        a = torch.addcmul(a, gate[0], u_a)
        b = torch.addcmul(b, gate[1], u_b)
        return (a.squeeze(1) if a_3d else a), (b.squeeze(1) if b_3d else b)
