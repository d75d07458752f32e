"""The grid of non-overlapping P x P patches of an image (no torch needed).

Shared by the per-sample transforms in :mod:`mmfer.datasets` and the models
(:mod:`mmfer.models.utils.patch_ops`), so it lives below both packages.
"""
from typing import Tuple


def patch_grid(height: int, width: int, patch_size: int) -> Tuple[int, int]:
    """Number of patches (rows, columns) of an image; checks divisibility.

    Args:
        height (int): image height H.
        width (int): image width W.
        patch_size (int): patch side P.

    Returns:
        tuple[int, int]: (H // P, W // P).

    Raises:
        ValueError: if P does not divide H and W.

    Examples:
        >>> patch_grid(64, 48, 16)
        (4, 3)
    """
    if patch_size <= 0:
        raise ValueError(f'patch_size must be positive, got {patch_size}')
    if height % patch_size or width % patch_size:
        raise ValueError(
            f'The image size {height}x{width} is not divisible by the patch '
            f'size {patch_size}: resize or crop the image to a multiple of '
            f'{patch_size} (e.g. {height // patch_size * patch_size}x'
            f'{width // patch_size * patch_size}) or change patch_size.')
    return height // patch_size, width // patch_size
