"""Weighted binary cross-entropy for multi-label AU detection (MCM Eq. 4-6)."""
from typing import Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import nn

from mmfer.registry import MODELS


def au_positive_weights(frequencies: Sequence[float],
                        mode: str = 'paper') -> np.ndarray:
    """Positive weights :math:`p_k` from training-set AU statistics.

    Zhang et al., "Multimodal Channel-Mixing", WACV 2024, Sec. 3.6:

    .. math:: P(AU_k) = \\frac{\\sum_i y_k^i}{\\sum_i \\sum_k y_k^i} \\quad (4)
    .. math:: p_k = \\frac{P(AU_k)}{\\min_j P(AU_j)} \\quad (5)

    Eq. 4 as printed takes positive *counts* :math:`\\sum_i y_k^i`. Its
    denominator cancels in Eq. 5, so any statistic proportional to the
    counts by one constant (e.g. counts / N) gives the same weights.
    Positive *rates over the coded labels* (``pos_k / coded_k``, what
    ``BaseFERDataset.get_au_frequencies()`` returns) are such a statistic
    only when every AU is coded equally often; with uncoded labels (-1,
    e.g. BP4D's code 9) ``rate_k = count_k / coded_k`` and the weights
    change by the ratios of the AUs' coded-label counts.
    ``AUPosWeightHook(statistic='count')`` (default) passes counts (Eq. 4
    as printed), ``statistic='rate'`` rates.

    Note: Eq. 5 as printed gives the *most frequent* AU the largest weight
    (the rarest gets 1). ``mode='paper'`` implements it literally;
    ``mode='inverse'`` gives the usual imbalance correction
    :math:`p_k = \\max_j P(AU_j) / P(AU_k)` (rarest largest, most frequent
    1). AUs without positives get weight 0 (``'paper'``) or 1
    (``'inverse'``); their positive term never occurs in training anyway.

    Args:
        frequencies (Sequence[float]): (K,) positive counts (Eq. 4) or
            rates; a list, np.ndarray or tensor.
        mode (str): ``'paper'`` or ``'inverse'``. Defaults to 'paper'.

    Returns:
        np.ndarray: (K,) float64 weights.

    Examples:
        >>> au_positive_weights([10, 20, 40])
        array([1., 2., 4.])
        >>> au_positive_weights([0.1, 0.2, 0.4], mode='inverse')
        array([4., 2., 1.])
    """
    freq = _as_float_array(frequencies)
    if freq.ndim != 1 or (freq < 0).any() or not np.isfinite(freq).all():
        raise ValueError('AU frequencies must be a 1-D array of non-negative '
                         f'numbers, got {frequencies}')
    if mode not in ('paper', 'inverse'):
        raise ValueError(f"mode must be 'paper' or 'inverse', got {mode!r}")
    positive = freq > 0
    if not positive.any():
        raise ValueError('No AU has a positive label in the training set; '
                         'cannot compute Eq. 4-5 weights.')
    prob = freq / freq.sum()  # Eq. 4
    if mode == 'paper':
        return prob / prob[positive].min()  # Eq. 5
    weights = np.ones_like(prob)
    weights[positive] = prob[positive].max() / prob[positive]
    return weights


def _as_float_array(values) -> np.ndarray:
    """A list / np.ndarray / tensor as a float64 np.ndarray."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu()
    return np.asarray(values, dtype=np.float64)


@MODELS.register_module()
class WeightedBCELoss(nn.Module):
    """Weighted BCE on AU logits, unknown labels masked out (Eq. 6).

    .. math:: \\mathcal{L} = -\\frac{1}{N}\\sum_{i=1}^{N}\\sum_{k=1}^{C}
              \\left(p_k\\, y_k^i \\log \\hat{y}_k^i + (1 - y_k^i)
              \\log(1 - \\hat{y}_k^i)\\right) \\quad (6)

    with :math:`\\hat{y} = \\sigma(\\text{logit})` (computed stably with
    ``logsigmoid``). Entries whose label equals ``ignore_index`` (-1, e.g.
    BP4D's code 9) contribute nothing; the sum is still divided by N, so
    with all labels known this is exactly Eq. 6.

    The positive weights :math:`p_k` (Eq. 4-5, :func:`au_positive_weights`)
    come from one of:

    - ``pos_weight=[...]``: given in the config (a list, np.ndarray or
      tensor);
    - ``au_frequencies=[...]``: training-set frequencies in the config;
    - ``pos_weight='auto'``: set before training by ``AUPosWeightHook``
      from the training dataset's ``get_au_frequencies()`` (add
      ``custom_hooks=[dict(type='AUPosWeightHook')]``);
    - neither: :math:`p_k = 1` (plain BCE).

    Args:
        pos_weight (str | Sequence[float] | np.ndarray | Tensor, optional):
            see above.
        au_frequencies (Sequence[float] | np.ndarray | Tensor, optional):
            positive counts or rates (Eq. 4); see above.
        weight_mode (str): ``'paper'`` (Eq. 5 as printed) or ``'inverse'``;
            see :func:`au_positive_weights`. Defaults to 'paper'.
        ignore_index (int): label value of unknown entries. Defaults to -1.
        loss_weight (float): multiplier. Defaults to 1.0.

    Examples:
        >>> loss = WeightedBCELoss(pos_weight=[2.0, 1.0])
        >>> loss(torch.zeros(4, 2), torch.tensor([[1., 0.]] * 4)).shape
        torch.Size([])
    """

    def __init__(self,
                 pos_weight: Optional[Union[str, Sequence[float]]] = None,
                 au_frequencies: Optional[Sequence[float]] = None,
                 weight_mode: str = 'paper',
                 ignore_index: int = -1,
                 loss_weight: float = 1.0):
        super().__init__()
        self.auto = isinstance(pos_weight, str) and pos_weight == 'auto'
        if isinstance(pos_weight, str) and not self.auto:
            raise ValueError("pos_weight must be a sequence, 'auto' or None, "
                             f'got {pos_weight!r}')
        if pos_weight is not None and au_frequencies is not None:
            raise ValueError('Give pos_weight or au_frequencies, not both.')
        au_positive_weights([1.0], weight_mode)  # validates weight_mode
        self.weight_mode = weight_mode
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        # not persistent: 'auto' weights are recomputed at every start
        self.register_buffer('pos_weight', None, persistent=False)
        if au_frequencies is not None:
            self.set_au_frequencies(au_frequencies)
        elif pos_weight is not None and not self.auto:
            self.set_pos_weight(pos_weight)

    def set_pos_weight(self, pos_weight) -> None:
        """Set :math:`p_k` directly: (K,) list, np.ndarray or tensor."""
        weight = _as_float_array(pos_weight)
        if weight.ndim != 1 or not np.isfinite(weight).all() or \
                (weight < 0).any():
            raise ValueError('pos_weight must be a 1-D sequence of finite, '
                             f'non-negative numbers, got {pos_weight!r}')
        device = self.pos_weight.device if self.pos_weight is not None \
            else None
        self.pos_weight = torch.as_tensor(
            weight.astype(np.float32), device=device)

    def set_au_frequencies(self, frequencies: Sequence[float]) -> np.ndarray:
        """Set :math:`p_k` from frequencies via Eq. 4-5; returns them."""
        weights = au_positive_weights(frequencies, self.weight_mode)
        self.set_pos_weight(weights)
        return weights

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """Eq. 6.

        Args:
            logits (torch.Tensor): (N, K) raw scores.
            target (torch.Tensor): (N, K) labels in {0, 1, ignore_index}.

        Returns:
            torch.Tensor: scalar loss.
        """
        if logits.shape != target.shape:
            raise ValueError(f'logits {tuple(logits.shape)} and AU labels '
                             f'{tuple(target.shape)} differ in shape')
        if self.pos_weight is None:
            if self.auto:
                raise RuntimeError(
                    "WeightedBCELoss(pos_weight='auto') has no weights yet: "
                    "add custom_hooks=[dict(type='AUPosWeightHook')] to the "
                    'config (it sets them from the training set before '
                    'training), or give pos_weight / au_frequencies.')
            weight = logits.new_ones(logits.shape[1])
        else:
            weight = self.pos_weight.to(logits)
            if weight.numel() != logits.shape[1]:
                raise ValueError(f'{weight.numel()} positive weights for '
                                 f'{logits.shape[1]} AUs')
        target = target.to(logits)
        valid = (target != self.ignore_index).to(logits)  # (N, K)
        y = target.clamp(0, 1) * valid
        loss = -(weight * y * F.logsigmoid(logits) +
                 (1 - y) * F.logsigmoid(-logits))  # (N, K)
        return self.loss_weight * (loss * valid).sum() / logits.shape[0]

    def extra_repr(self) -> str:
        w = 'auto (unset)' if self.pos_weight is None and self.auto else (
            None if self.pos_weight is None else
            [round(v, 3) for v in self.pos_weight.tolist()])
        return f'pos_weight={w}, weight_mode={self.weight_mode!r}'


def log_au_weights(names, frequencies, weights, statistic='freq') -> None:
    """Log the per-AU statistic (``statistic`` names it, e.g. 'count' or
    'rate') and the weights as a table."""
    rows = [f'{n:>6s} {statistic}={f:.6g} p_k={w:.3f}'
            for n, f, w in zip(names, frequencies, weights)]
    print_log('AU positive weights (MCM Eq. 4-5):\n' + '\n'.join(rows),
              logger='current')
