"""Token masking by per-token scores: keep, mask and restore indices.

The selection rule of MAE (He et al., CVPR 2022, ``random_masking`` in
``models_mae.py``), written once: sort the tokens of each sample by a score,
keep the ``len_keep`` lowest, and remember how to undo the shuffle. With
uniform random scores this is MAE's / MCM's random spatial masking
(:class:`mmfer.models.mask_generators.SpatialMask`); a learned generator
(e.g. EMPD's expression-aware masking) passes its own scores.
"""
from typing import Tuple

import torch


def num_kept_tokens(num_tokens: int, mask_ratio: float) -> int:
    """Tokens kept visible: ``int(L * (1 - ratio))`` as in MAE, at least 1.

    Examples:
        >>> num_kept_tokens(196, 0.75), num_kept_tokens(16, 0.5)
        (49, 8)
    """
    if not 0.0 <= mask_ratio < 1.0:
        raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
    return max(1, int(num_tokens * (1 - mask_ratio)))


def mask_by_scores(
        tokens: torch.Tensor, scores: torch.Tensor, len_keep: int
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Keep the ``len_keep`` lowest-scoring tokens of each sample.

    Args:
        tokens (torch.Tensor): (B, L, D) patch tokens.
        scores (torch.Tensor): (B, L); low score = kept.
        len_keep (int): visible tokens per sample.

    Returns:
        tuple: ``kept`` (B, len_keep, D) in increasing-score order,
        ``mask`` (B, L) float with 1 = masked, 0 = kept (original token
        order), ``ids_restore`` (B, L) long such that
        ``torch.gather(cat([kept, masked_part]), 1, ids_restore)`` puts
        every token back at its original index.

    Examples:
        >>> kept, mask, ids = mask_by_scores(
        ...     torch.rand(2, 16, 8), torch.rand(2, 16), 4)
        >>> kept.shape, mask.shape, int(mask.sum())
        (torch.Size([2, 4, 8]), torch.Size([2, 16]), 24)
    """
    B, L, D = tokens.shape
    if scores.shape != (B, L):
        raise ValueError(f'scores must be (B, L) = {(B, L)}, got '
                         f'{tuple(scores.shape)}')
    ids_shuffle = torch.argsort(scores, dim=1)  # (B, L): ascending, keep first
    ids_restore = torch.argsort(ids_shuffle, dim=1)  # (B, L)
    ids_keep = ids_shuffle[:, :len_keep]  # (B, len_keep)
    kept = torch.gather(
        tokens, 1, ids_keep.unsqueeze(-1).expand(-1, -1, D))  # (B, K, D)
    mask = torch.ones(B, L, device=tokens.device, dtype=tokens.dtype)
    mask[:, :len_keep] = 0
    mask = torch.gather(mask, 1, ids_restore)  # (B, L), original order
    return kept, mask, ids_restore
