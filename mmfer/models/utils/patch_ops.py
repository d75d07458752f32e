"""Splitting images into non-overlapping patches and back.

Written once for every masked-image model in mmfer (MCM, EMPD, ...). The
patch layout follows MAE (He et al., "Masked Autoencoders Are Scalable
Vision Learners", CVPR 2022, https://arxiv.org/abs/2111.06377,
``models_mae.py``): patches in raster order, pixels inside a patch in
raster order with channels last (``'nchpwq->nhwpqc'``).
"""
from typing import Tuple

import torch

from mmfer.utils.patch_grid import patch_grid


def patchify(imgs: torch.Tensor, patch_size: int) -> torch.Tensor:
    """Images to flattened patches.

    Args:
        imgs (torch.Tensor): (B, C, H, W).
        patch_size (int): patch side P; must divide H and W.

    Returns:
        torch.Tensor: (B, L, P*P*C) with L = (H/P)(W/P).

    Examples:
        >>> patchify(torch.zeros(2, 5, 32, 48), 16).shape
        torch.Size([2, 6, 1280])
    """
    B, C, H, W = imgs.shape
    h, w = patch_grid(H, W, patch_size)
    p = patch_size
    x = imgs.reshape(B, C, h, p, w, p)  # (B, C, h, p, w, p)
    x = torch.einsum('nchpwq->nhwpqc', x)  # (B, h, w, p, p, C)
    return x.reshape(B, h * w, p * p * C)  # (B, L, p*p*C)


def unpatchify(patches: torch.Tensor, patch_size: int, channels: int,
               grid: Tuple[int, int]) -> torch.Tensor:
    """Flattened patches back to images (inverse of :func:`patchify`).

    Args:
        patches (torch.Tensor): (B, L, P*P*C).
        patch_size (int): patch side P.
        channels (int): C.
        grid (tuple[int, int]): patch rows and columns (h, w), h*w = L.

    Returns:
        torch.Tensor: (B, C, h*P, w*P).

    Examples:
        >>> unpatchify(torch.zeros(2, 6, 256), 16, 1, (2, 3)).shape
        torch.Size([2, 1, 32, 48])
    """
    B, L, D = patches.shape
    h, w = grid
    p = patch_size
    if h * w != L or p * p * channels != D:
        raise ValueError(
            f'Cannot unpatchify {tuple(patches.shape)} into a {h}x{w} grid of '
            f'{p}x{p}x{channels} patches (needs L={h * w}, D={p * p * channels}).')
    x = patches.reshape(B, h, w, p, p, channels)  # (B, h, w, p, p, C)
    x = torch.einsum('nhwpqc->nchpwq', x)  # (B, C, h, p, w, p)
    return x.reshape(B, channels, h * p, w * p)  # (B, C, H, W)
