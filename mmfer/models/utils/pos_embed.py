"""Fixed 2-D sine-cosine position embeddings.

MCM (Sec. 3.3) uses "the 2-D sine-cosine variant [MoCo v3]" instead of the
learnable 1-D embedding of ViT, in the encoder and (following MAE) in each
decoder. This wraps mmpretrain's
:func:`mmpretrain.models.utils.build_2d_sincos_position_embedding` so that
mmfer has a single entry point for it.
"""
from typing import Sequence, Union

import torch
from mmpretrain.models.utils import build_2d_sincos_position_embedding


def sincos_pos_embed(grid: Union[int, Sequence[int]],
                     embed_dims: int,
                     cls_token: bool = False) -> torch.Tensor:
    """2-D sin-cos position embedding of a patch grid.

    Args:
        grid (int | Sequence[int]): patch rows and columns (h, w), or one
            int for a square grid.
        embed_dims (int): token width D; must be divisible by 4.
        cls_token (bool): prepend an all-zero embedding for a class token.
            Defaults to False.

    Returns:
        torch.Tensor: (1, h*w (+1), D), float32.

    Examples:
        >>> sincos_pos_embed((4, 3), 32, cls_token=True).shape
        torch.Size([1, 13, 32])
    """
    if embed_dims % 4:
        raise ValueError('A 2-D sin-cos position embedding needs embed_dims '
                         f'divisible by 4, got {embed_dims}.')
    if isinstance(grid, int):
        grid = (grid, grid)
    h, w = grid
    # mmpretrain's helper names its axes (h, w) but flattens its meshgrid
    # with the *first* axis as rows only when given (w, h): passing (w, h)
    # yields row-major tokens (t = row * w + col) for any grid; for square
    # grids both orders give the same tensor.
    return build_2d_sincos_position_embedding(
        (w, h), embed_dims, cls_token=cls_token).float()
