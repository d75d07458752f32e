"""Patch-wise channel mixing (MCM, Sec. 3.1 and Fig. 1), written once.

Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
AutoEncoder on Facial Action Unit Detection", WACV 2024
(https://arxiv.org/abs/2209.12244). The fused image
:math:`I_f = I_v \\oplus I_d \\oplus I_t` (H x W x C, C = 5 for RGB + Depth +
Thermal) is split into P x P patches; in every patch, independently,
``C - num_kept`` channels are dropped at random and the remaining ones are
shuffled, giving an H x W x ``num_kept`` image (``num_kept`` = 3 feeds an
ImageNet-style ViT).

A selection is a (..., h, w, num_kept) tensor of source-channel indices,
one row per patch: output channel ``j`` of patch ``(r, c)`` is input
channel ``selection[..., r, c, j]``. Drawing it as the first ``num_kept``
entries of a uniformly random permutation makes every ``num_kept``-subset
and every order equally likely. Everything is vectorised (no loop over
patches). Both the per-sample transform
(:class:`mmfer.datasets.transforms.ChannelMixing`) and the batched module
(:class:`mmfer.models.data_preprocessors.BatchChannelMixing`) use these, so
they live below both packages (plain torch, no ``nn.Module``).
"""
from typing import Optional, Tuple

import torch

from .patch_grid import patch_grid


def check_channel_mixing_args(num_channels: int, num_kept: int,
                              height: int, width: int,
                              patch_size: int) -> Tuple[int, int]:
    """Validate a channel-mixing call; returns the patch grid (h, w)."""
    if num_kept < 1:
        raise ValueError(f'num_kept must be >= 1, got {num_kept}')
    if num_channels < num_kept:
        raise ValueError(
            f'Channel mixing keeps {num_kept} channels per patch but the '
            f'input has only {num_channels}. Load more modalities (e.g. '
            "LoadFaceModalities(modalities=('rgb', 'depth', 'thermal')) for "
            'C=5) or lower num_kept.')
    try:
        return patch_grid(height, width, patch_size)
    except ValueError as err:
        raise ValueError(f'ChannelMixing: {err}') from None


def sample_channel_selection(batch: int,
                             grid: Tuple[int, int],
                             num_channels: int,
                             num_kept: int,
                             generator: Optional[torch.Generator] = None,
                             device=None) -> torch.Tensor:
    """Draw an independent random channel selection for every patch.

    Args:
        batch (int): number of images B.
        grid (tuple[int, int]): patch rows and columns (h, w).
        num_channels (int): input channels C.
        num_kept (int): output channels K (<= C).
        generator (torch.Generator, optional): random source; None uses
            torch's global RNG (seeded per dataloader worker by mmengine).
        device: device of the result.

    Returns:
        torch.Tensor: (B, h, w, K) long source-channel indices, distinct
        within each patch.

    Examples:
        >>> sel = sample_channel_selection(2, (4, 4), 5, 3)
        >>> sel.shape
        torch.Size([2, 4, 4, 3])
    """
    h, w = grid
    noise = torch.rand(batch, h, w, num_channels, generator=generator,
                       device=device)  # (B, h, w, C)
    # argsort of i.i.d. noise = a uniformly random permutation per patch;
    # its first K entries are the kept channels, in random order.
    return torch.argsort(noise, dim=-1)[..., :num_kept]  # (B, h, w, K)


def apply_channel_selection(imgs: torch.Tensor, selection: torch.Tensor,
                            patch_size: int) -> torch.Tensor:
    """Gather each patch's selected channels.

    Args:
        imgs (torch.Tensor): (B, C, H, W).
        selection (torch.Tensor): (B, h, w, K) from
            :func:`sample_channel_selection`.
        patch_size (int): P, with H = h*P and W = w*P.

    Returns:
        torch.Tensor: (B, K, H, W); patch (r, c), channel j equals input
        channel ``selection[:, r, c, j]`` of that patch.

    Examples:
        >>> x = torch.rand(2, 5, 32, 32)
        >>> sel = sample_channel_selection(2, (2, 2), 5, 3)
        >>> apply_channel_selection(x, sel, 16).shape
        torch.Size([2, 3, 32, 32])
    """
    B, C, H, W = imgs.shape
    h, w = patch_grid(H, W, patch_size)
    K = selection.shape[-1]
    if tuple(selection.shape[:3]) != (B, h, w):
        raise ValueError(f'selection {tuple(selection.shape)} does not fit '
                         f'images {tuple(imgs.shape)} with patch {patch_size}')
    p = patch_size
    x = imgs.reshape(B, C, h, p, w, p)  # (B, C, h, p, w, p)
    index = selection.permute(0, 3, 1, 2)  # (B, K, h, w)
    index = index[:, :, :, None, :, None].expand(B, K, h, p, w, p)
    out = torch.gather(x, 1, index)  # (B, K, h, p, w, p)
    return out.reshape(B, K, H, W)


def channel_mixing(
        imgs: torch.Tensor,
        patch_size: int,
        num_kept: int = 3,
        generator: Optional[torch.Generator] = None
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Randomly drop ``C - num_kept`` channels per patch and shuffle the rest.

    Args:
        imgs (torch.Tensor): (B, C, H, W).
        patch_size (int): P (the ViT patch size).
        num_kept (int): K output channels. Defaults to 3.
        generator (torch.Generator, optional): random source.

    Returns:
        tuple: mixed images (B, K, H, W) and the selection (B, h, w, K).

    Examples:
        >>> mixed, sel = channel_mixing(torch.rand(2, 5, 64, 64), 16)
        >>> mixed.shape, sel.shape
        (torch.Size([2, 3, 64, 64]), torch.Size([2, 4, 4, 3]))
    """
    if imgs.dim() != 4:
        raise ValueError(f'channel_mixing expects (B, C, H, W), got '
                         f'{tuple(imgs.shape)}')
    B, C, H, W = imgs.shape
    grid = check_channel_mixing_args(C, num_kept, H, W, patch_size)
    selection = sample_channel_selection(B, grid, C, num_kept, generator,
                                         imgs.device)
    return apply_channel_selection(imgs, selection, patch_size), selection
