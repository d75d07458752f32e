"""The interface every token-mask generator of mmfer implements."""
from abc import ABCMeta, abstractmethod
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule

from mmfer.models.utils import mask_by_scores, num_kept_tokens


class BaseMaskGenerator(BaseModule, metaclass=ABCMeta):
    """Chooses which patch tokens a masked encoder sees.

    Contract (shared by MCM's random :class:`SpatialMask` and learned
    generators such as EMPD's expression-aware ESGM)::

        kept, mask, ids_restore = generator(tokens)

    - ``tokens``: (B, L, D) patch tokens, position embedding added, no
      class token;
    - ``kept``: (B, L_keep, D) visible tokens, the same L_keep for every
      sample (so they batch);
    - ``mask``: (B, L) float, 1 = masked, 0 = visible, original order;
    - ``ids_restore``: (B, L) long; gathering ``cat([kept, masked], 1)``
      with it restores the original order (MAE's decoder convention, as in
      ``mmpretrain.MAEPretrainDecoder``).

    Subclasses implement :meth:`scores` (low = keep); the selection itself
    (sort, gather, mask, restore) is shared in
    :func:`mmfer.models.utils.mask_by_scores`. A learned generator may
    override :meth:`forward` (e.g. for a differentiable selection) but
    must return the same triple. Note that an argsort-based selection
    passes no gradient to the scorer.

    Args:
        mask_ratio (float): fraction of the L tokens that is masked;
            L_keep = int(L * (1 - mask_ratio)) as in MAE.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, mask_ratio: float, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        num_kept_tokens(1, mask_ratio)  # validates the range
        self.mask_ratio = float(mask_ratio)

    @abstractmethod
    def scores(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, L) scores of (B, L, D) tokens; the lowest are kept."""

    def forward(
        self, tokens: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Select the visible tokens; see the class docstring."""
        if tokens.dim() != 3:
            raise ValueError('A mask generator expects (B, L, D) tokens, '
                             f'got {tuple(tokens.shape)}')
        len_keep = num_kept_tokens(tokens.shape[1], self.mask_ratio)
        return mask_by_scores(tokens, self.scores(tokens), len_keep)

    def extra_repr(self) -> str:
        return f'mask_ratio={self.mask_ratio}'
