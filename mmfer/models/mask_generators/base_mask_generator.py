"""The interface every token-mask generator of mmfer implements."""
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch
from mmengine.model import BaseModule

from mmfer.models.utils import mask_by_scores, num_kept_tokens


@dataclass
class MaskResult:
    """What a mask generator returns.

    Attributes:
        kept (torch.Tensor): (B, L_keep, D) visible tokens, the same
            L_keep for every sample (so they batch).
        mask (torch.Tensor): (B, L) float, 1 = masked, 0 = visible, in the
            original token order.
        ids_restore (torch.Tensor): (B, L) long; gathering
            ``cat([kept, masked], 1)`` with it restores the original order
            (MAE's decoder convention, as in
            ``mmpretrain.MAEPretrainDecoder``).
        losses (dict[str, torch.Tensor]): the generator's own loss terms
            (e.g. EMPD's ``L_mask``, Eq. 6), already weighted; every key
            starts with ``'loss'`` so that mmengine adds it to the
            optimised loss. Empty for generators that learn nothing.
    """
    kept: torch.Tensor
    mask: torch.Tensor
    ids_restore: torch.Tensor
    losses: Dict[str, torch.Tensor] = field(default_factory=dict)

    def __post_init__(self):
        B, L = self.mask.shape
        if self.ids_restore.shape != (B, L):
            raise ValueError(
                f'MaskResult: ids_restore {tuple(self.ids_restore.shape)} '
                f'does not match mask {(B, L)}.')
        if self.kept.dim() != 3 or self.kept.shape[0] != B:
            raise ValueError(f'MaskResult: kept must be (B={B}, L_keep, D), '
                             f'got {tuple(self.kept.shape)}.')
        bad = [k for k in self.losses if not k.startswith('loss')]
        if bad:
            raise ValueError(f'MaskResult: loss names {bad} must start with '
                             "'loss' (e.g. 'loss_mask'), or mmengine would "
                             'log them without optimising them.')


class BaseMaskGenerator(BaseModule, metaclass=ABCMeta):
    """Chooses which patch tokens a masked encoder sees.

    Contract (shared by MAE's / MCM's random :class:`SpatialMask` and
    learned generators such as EMPD's expression-aware ESGM)::

        result = generator(tokens, data_samples)   # -> MaskResult

    - ``tokens``: (B, L, D) patch tokens, position embedding added, no
      class token;
    - ``data_samples`` (list of :class:`~mmfer.structures.FERDataSample`,
      optional): the batch's samples, e.g. with ``gt_parsing`` (H, W) face
      parsing maps a learned generator is supervised with; None when the
      encoder is called on images alone (then such a generator must work
      without them, e.g. return no loss);
    - the :class:`MaskResult` holds ``kept`` (B, L_keep, D), ``mask``
      (B, L), ``ids_restore`` (B, L) and ``losses`` (dict, may be empty),
      which the self-supervised model (e.g. :class:`~mmfer.models.selfsup.
      MCM`) adds to its own losses.

    Subclasses implement :meth:`scores` (low = keep, high = masked); the
    selection itself (sort, gather, mask, restore) is shared in
    :func:`mmfer.models.utils.mask_by_scores`, and :meth:`losses` returns
    the generator's loss terms from the same scores. A learned generator
    may override :meth:`forward` (e.g. for a differentiable selection) but
    must return a :class:`MaskResult`. Note that the argsort-based
    selection passes no gradient to the scorer: a scorer learns only from
    its own ``losses``.

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
    def scores(self, tokens: torch.Tensor,
               data_samples: Optional[List] = None) -> torch.Tensor:
        """(B, L) scores of (B, L, D) tokens; the lowest are kept."""

    def losses(self, scores: torch.Tensor, tokens: torch.Tensor,
               data_samples: Optional[List] = None
               ) -> Dict[str, torch.Tensor]:
        """Loss terms of the generator (none by default).

        Args:
            scores (torch.Tensor): (B, L) from :meth:`scores`.
            tokens (torch.Tensor): (B, L, D) the scored tokens.
            data_samples (list, optional): the batch's data samples.

        Returns:
            dict[str, torch.Tensor]: ``loss*`` scalars.
        """
        return {}

    def num_kept(self, num_tokens: int) -> int:
        """L_keep of L tokens: ``int(L * (1 - mask_ratio))`` as in MAE.
        A generator whose paper counts otherwise overrides this (EMPD's
        ESGM masks ``floor(mr * L)``, Eq. 4)."""
        return num_kept_tokens(num_tokens, self.mask_ratio)

    def forward(self,
                tokens: torch.Tensor,
                data_samples: Optional[List] = None) -> MaskResult:
        """Select the visible tokens; see the class docstring."""
        if tokens.dim() != 3:
            raise ValueError('A mask generator expects (B, L, D) tokens, '
                             f'got {tuple(tokens.shape)}')
        if data_samples is not None and len(data_samples) != tokens.shape[0]:
            raise ValueError(f'{len(data_samples)} data samples for a batch '
                             f'of {tokens.shape[0]} token sequences.')
        len_keep = self.num_kept(tokens.shape[1])
        scores = self.scores(tokens, data_samples)  # (B, L)
        kept, mask, ids_restore = mask_by_scores(tokens, scores, len_keep)
        return MaskResult(kept, mask, ids_restore,
                          self.losses(scores, tokens, data_samples))

    def extra_repr(self) -> str:
        return f'mask_ratio={self.mask_ratio}'
