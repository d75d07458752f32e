"""Softmax focal loss, with hard (Lin et al.) or Gaussian soft labels.

Ni et al., "Facial Expression Recognition Through Cross-Modality Attention
Fusion" (CM-CNN), IEEE TCDS 2023, Sec. III-E, Eq. 5; Lin et al., "Focal
Loss for Dense Object Detection", ICCV 2017.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmpretrain.models.losses.utils import weight_reduce_loss
from torch import nn

from mmfer.registry import MODELS


def focal_loss_with_targets(logits: torch.Tensor,
                            target: torch.Tensor,
                            gamma: float = 2.0,
                            alpha: float = 1.0) -> torch.Tensor:
    """Per-sample focal loss against a target distribution, unreduced.

    .. math:: FL = -\\alpha \\sum_k q_k (1 - p_k)^\\gamma \\log p_k,
              \\quad p = \\mathrm{softmax}(\\text{logits}) \\quad (5)

    With a one-hot ``q`` this is Lin et al.'s focal loss of the true class;
    with ``gamma=0`` and ``alpha=1`` it is the cross-entropy against ``q``.

    Args:
        logits (torch.Tensor): (B, K) class scores.
        target (torch.Tensor): (B, K) target distribution ``q``.
        gamma (float): focusing parameter. Defaults to 2.0.
        alpha (float): balancing factor. Defaults to 1.0.

    Returns:
        torch.Tensor: (B,) losses.
    """
    log_p = F.log_softmax(logits, dim=1)  # (B, K)
    if gamma == 0:
        modulating = torch.ones_like(log_p)
    else:
        # 1 - p as -expm1(log p): exact near p = 1, where 1 - exp() rounds
        one_minus_p = (-torch.expm1(log_p)).clamp(min=0)  # (B, K)
        modulating = one_minus_p.pow(gamma)
    return -alpha * (target.to(log_p) * modulating * log_p).sum(dim=1)


def gaussian_soft_labels(labels: torch.Tensor,
                         num_classes: int,
                         sigma: float = 0.1,
                         label_positions: str = 'normalized') -> torch.Tensor:
    """Soft labels: a Gaussian over class positions centred on the label.

    CM-CNN Sec. III-E: "a vector of Gaussian distribution with mean mu
    equals to the hard labels (0-5 represent six basic expressions), and
    standard deviation sigma equals to 0.1", normalised here to sum 1:

    .. math:: q_k \\propto \\exp\\left(-\\frac{(x_k - x_y)^2}{2\\sigma^2}
              \\right), \\quad \\sum_k q_k = 1

    The class positions :math:`x_k` (the paper does not say them):

    - ``'normalized'`` (default): :math:`x_k = k / (K - 1)` in [0, 1].
      For K = 6 and sigma = 0.1 the neighbours of the label get
      :math:`e^{-0.2^2 / 0.02} = e^{-2} \\approx 0.135` of its weight
      (q = 0.107 / 0.787 / 0.107 around a middle label, 0.881 / 0.119
      for a label at the end), so the soft
      focal loss differs from the focal loss, as Table I shows.
    - ``'index'``: :math:`x_k = k` (the label indices 0-5 taken
      literally). With sigma = 0.1 a neighbour gets :math:`e^{-50}
      \\approx 2 \\times 10^{-22}`: the soft label is one-hot to float
      precision and the soft focal loss *equals* the focal loss, which
      contradicts Table I; use it with a larger sigma (e.g. 0.5-1).

    Args:
        labels (torch.Tensor): (B,) int class indices.
        num_classes (int): K.
        sigma (float): standard deviation in position units. Defaults to
            0.1.
        label_positions (str): ``'normalized'`` or ``'index'``.

    Returns:
        torch.Tensor: (B, K) float soft labels, rows summing to 1.

    Examples:
        >>> q = gaussian_soft_labels(torch.tensor([0]), 6)
        >>> [round(v, 4) for v in q[0].tolist()[:3]]
        [0.8805, 0.1192, 0.0003]
    """
    if label_positions == 'normalized':
        positions = torch.arange(num_classes, dtype=torch.float32) / max(
            num_classes - 1, 1)
    elif label_positions == 'index':
        positions = torch.arange(num_classes, dtype=torch.float32)
    else:
        raise ValueError("label_positions must be 'normalized' or 'index', "
                         f'got {label_positions!r}')
    positions = positions.to(labels.device)  # (K,)
    mean = positions[labels.long()]  # (B,)
    dist2 = (positions[None, :] - mean[:, None])**2  # (B, K)
    # softmax of -d^2 / (2 sigma^2) = Gaussian normalised to sum 1, stably
    return torch.softmax(-dist2 / (2 * sigma**2), dim=1)


@MODELS.register_module()
class FocalLoss(nn.Module):
    """Softmax focal loss with hard (one-hot) labels, Lin et al. 2017.

    :math:`FL(p_t) = -\\alpha (1 - p_t)^\\gamma \\log p_t` (CM-CNN Eq. 5)
    with :math:`p = \\mathrm{softmax}(\\text{logits})` and :math:`t` the
    label. ``gamma=0`` gives the cross-entropy. This is the single-label
    (softmax) form the CM-CNN compares against in Table I; mmpretrain's
    ``mmpretrain.FocalLoss`` is the sigmoid (per-class binary) form.

    Targets may be (B,) int labels or (B, K) distributions (one-hot, or
    mixed by batch augments): :math:`-\\alpha \\sum_k q_k (1 - p_k)^\\gamma
    \\log p_k`.

    Args:
        gamma (float): focusing parameter. Defaults to 2.0.
        alpha (float): balancing factor (1 for single-label FER, Sec.
            III-E). Defaults to 1.0.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``. Defaults to
            'mean'.
        loss_weight (float): multiplier. Defaults to 1.0.

    Examples:
        >>> loss = FocalLoss(gamma=0.0)
        >>> logits, y = torch.zeros(2, 4), torch.tensor([0, 3])
        >>> round(loss(logits, y).item(), 4)  # log 4
        1.3863
    """

    def __init__(self,
                 gamma: float = 2.0,
                 alpha: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__()
        if gamma < 0:
            raise ValueError(f'{type(self).__name__}: gamma must be >= 0, '
                             f'got {gamma}')
        if reduction not in ('mean', 'sum', 'none'):
            raise ValueError(f'{type(self).__name__}: reduction must be '
                             f"'mean', 'sum' or 'none', got {reduction!r}")
        self.gamma = float(gamma)
        self.alpha = float(alpha)
        self.reduction = reduction
        self.loss_weight = loss_weight

    def label_distribution(self, labels: torch.Tensor,
                           num_classes: int) -> torch.Tensor:
        """(B, K) target distribution of (B,) int labels: one-hot."""
        return F.one_hot(labels.long(), num_classes).float()

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        """The loss (mmpretrain's loss-module signature).

        Args:
            cls_score (torch.Tensor): (B, K) logits (pre-softmax).
            label (torch.Tensor): (B,) int labels or (B, K) target
                distributions (used as given).
            weight (torch.Tensor, optional): (B,) per-sample weights.
            avg_factor (float, optional): divisor of the summed loss for
                ``reduction='mean'``.
            reduction_override (str, optional): overrides ``reduction``.

        Returns:
            torch.Tensor: scalar, or (B,) for ``reduction='none'``.
        """
        if cls_score.dim() != 2:
            raise ValueError(f'{type(self).__name__} expects (B, K) class '
                             f'scores, got shape {tuple(cls_score.shape)}')
        num_classes = cls_score.shape[1]
        if label.dim() == 2 and label.shape == cls_score.shape:
            target = label.to(cls_score)  # given distribution
        elif label.dim() == 1 and label.shape[0] == cls_score.shape[0]:
            if label.is_floating_point():
                label = label.long()
            if label.numel() and (label.min() < 0
                                  or label.max() >= num_classes):
                raise ValueError(
                    f'{type(self).__name__}: labels must be in [0, '
                    f'{num_classes - 1}] for {num_classes} class scores, '
                    f'got {label.unique().tolist()}; check the head\'s '
                    'num_classes against the dataset classes.')
            target = self.label_distribution(label, num_classes).to(cls_score)
        else:
            raise ValueError(f'{type(self).__name__}: labels of shape '
                             f'{tuple(label.shape)} do not fit scores of '
                             f'shape {tuple(cls_score.shape)}; give (B,) '
                             'class indices or (B, K) distributions.')
        loss = focal_loss_with_targets(cls_score, target, self.gamma,
                                       self.alpha)  # (B,)
        if weight is not None:
            weight = weight.float().reshape(-1)
        reduction = reduction_override or self.reduction
        return self.loss_weight * weight_reduce_loss(
            loss, weight=weight, reduction=reduction, avg_factor=avg_factor)

    def extra_repr(self) -> str:
        return f'gamma={self.gamma}, alpha={self.alpha}'


@MODELS.register_module()
class SoftFocalLoss(FocalLoss):
    """Focal loss with Gaussian soft labels (CM-CNN Sec. III-E, Eq. 5).

    Ni et al., "Facial Expression Recognition Through Cross-Modality
    Attention Fusion", IEEE TCDS 2023. The one-hot label is replaced by
    the Gaussian soft label ``q`` of :func:`gaussian_soft_labels` (mean at
    the hard label, std ``sigma``, normalised to sum 1):

    .. math:: FL = -\\alpha \\sum_k q_k (1 - p_k)^\\gamma \\log p_k,
              \\quad p = \\mathrm{softmax}(\\text{logits}) \\quad (5)

    Int labels (B,) are softened; (B, K) targets (e.g. from batch augments)
    are used as given. With ``label_positions='index'`` and sigma = 0.1 the
    soft label is one-hot (neighbour weight e^-50) and this equals
    :class:`FocalLoss`; the default ``'normalized'`` gives neighbours
    e^-2 = 0.135 of the label's weight for six classes (see
    :func:`gaussian_soft_labels`).

    Args:
        gamma (float): focusing parameter; 2 in the paper (Table I).
            Defaults to 2.0.
        alpha (float): balancing factor, 1 in the paper. Defaults to 1.0.
        sigma (float): std of the soft label; 0.1 in the paper. Defaults
            to 0.1.
        label_positions (str): ``'normalized'`` (classes at k / (K - 1))
            or ``'index'`` (classes at k). Defaults to 'normalized'.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``. Defaults to
            'mean'.
        loss_weight (float): multiplier. Defaults to 1.0.

    Examples:
        >>> loss = SoftFocalLoss()
        >>> loss(torch.zeros(2, 6), torch.tensor([0, 5])).shape
        torch.Size([])
    """

    def __init__(self,
                 gamma: float = 2.0,
                 alpha: float = 1.0,
                 sigma: float = 0.1,
                 label_positions: str = 'normalized',
                 reduction: str = 'mean',
                 loss_weight: float = 1.0):
        super().__init__(
            gamma=gamma,
            alpha=alpha,
            reduction=reduction,
            loss_weight=loss_weight)
        if sigma <= 0:
            raise ValueError(f'SoftFocalLoss: sigma must be > 0, got {sigma}')
        gaussian_soft_labels(torch.zeros(1, dtype=torch.long), 2, sigma,
                             label_positions)  # validates label_positions
        self.sigma = float(sigma)
        self.label_positions = label_positions

    def label_distribution(self, labels: torch.Tensor,
                           num_classes: int) -> torch.Tensor:
        """(B, K) Gaussian soft labels of (B,) int labels."""
        return gaussian_soft_labels(labels, num_classes, self.sigma,
                                    self.label_positions)

    def extra_repr(self) -> str:
        return (f'{super().extra_repr()}, sigma={self.sigma}, '
                f'label_positions={self.label_positions!r}')
