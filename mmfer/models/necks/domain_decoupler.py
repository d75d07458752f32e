"""EMPD's decoupler of expression and domain features and its domain branch.

Zhong et al., "Expression-aware Masking and Progressive Decoupling for
Cross-database Facial Expression Recognition" (EMPD: expression semantic
guidance masking + progressive decoupler of expression and domain, PDED),
Sec. III-B, Eq. 9-12.

- :class:`DomainDecoupler`: ``F_d = Conv(F)`` with equal input and output
  channels, and the Eq. 9 residual ``F - F_d`` that the next block sees.
- :class:`DomainClsHead`: Eq. 10's ``F_dom = sum_i F_d^i`` over the
  decoupled domain features (which differ in shape across the stages of a
  CNN: each is pooled and projected to a common width first) and the
  domain classifier with the Eq. 12 loss.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from mmfer.registry import MODELS


def global_pool(x: torch.Tensor) -> torch.Tensor:
    """Average over the spatial / token axes: (B, C, H, W) or (B, N, C) ->
    (B, C); an already pooled (B, C) feature is returned as it is."""
    if x.dim() == 2:
        return x
    if x.dim() == 4:
        return x.mean(dim=(2, 3))  # (B, C)
    if x.dim() == 3:
        return x.mean(dim=1)  # (B, C)
    raise ValueError('global_pool expects a (B, C, H, W) feature map, '
                     '(B, N, C) tokens or (B, C), got shape '
                     f'{tuple(x.shape)}.')


@MODELS.register_module()
class DomainDecoupler(nn.Module):
    """One decoupler of EMPD's PDED (Sec. III-B, Eq. 9).

    ``F_d = Conv(F)`` is "a convolution operator with the same channels
    before and after this convolution"; the block after it receives
    ``F - F_d``. The paper gives no kernel size:

    - ``'conv3x3'`` (default, padding 1, stride 1: shape kept) for
      (B, C, H, W) feature maps;
    - ``'conv1x1'``: a per-position channel mixing, 9x fewer parameters;
    - ``'linear'``: ``nn.Linear(C, C)`` on every token of a (B, N, C) ViT
      sequence (the token analogue of the 1x1 convolution; the class
      token included).

    ``zero_init=True`` (default; the paper is silent) starts the weights
    and bias at zero, so at the first step ``F_d = 0`` and the pre-trained
    encoder's features pass unchanged; the weight gradient ``dL/dF_d * F``
    is non-zero, so the decoupler still learns.

    Args:
        in_channels (int): C, also the output channels.
        kind (str): ``'conv3x3'``, ``'conv1x1'`` or ``'linear'``.
            Defaults to ``'conv3x3'``.
        zero_init (bool): zero weights and bias. Defaults to True.

    Examples:
        >>> dec = DomainDecoupler(8)
        >>> residual, f_d = dec(torch.rand(2, 8, 4, 4))
        >>> residual.shape, float(f_d.abs().sum())  # zero-initialised
        (torch.Size([2, 8, 4, 4]), 0.0)
    """

    KINDS = ('conv3x3', 'conv1x1', 'linear')

    def __init__(self,
                 in_channels: int,
                 kind: str = 'conv3x3',
                 zero_init: bool = True):
        super().__init__()
        if kind not in self.KINDS:
            raise ValueError(f'DomainDecoupler: kind must be one of '
                             f'{self.KINDS}, got {kind!r}.')
        self.in_channels = in_channels
        self.kind = kind
        self.zero_init = zero_init
        if kind == 'linear':
            self.proj = nn.Linear(in_channels, in_channels)
        else:
            k = 3 if kind == 'conv3x3' else 1
            self.proj = nn.Conv2d(
                in_channels, in_channels, kernel_size=k, padding=k // 2)
        if zero_init:
            self.init_weights()

    def init_weights(self) -> None:
        """Zero weights and bias (``zero_init``); otherwise keep PyTorch's
        default initialisation."""
        if self.zero_init:
            nn.init.zeros_(self.proj.weight)
            nn.init.zeros_(self.proj.bias)

    def domain_feature(self, x: torch.Tensor) -> torch.Tensor:
        """``F_d = Conv(F)``, same shape as ``x``."""
        expected = 3 if self.kind == 'linear' else 4
        if x.dim() != expected or x.shape[-1 if expected == 3 else 1] != \
                self.in_channels:
            layout = '(B, N, C)' if expected == 3 else '(B, C, H, W)'
            raise ValueError(
                f'DomainDecoupler(kind={self.kind!r}, in_channels='
                f'{self.in_channels}) expects {layout}, got '
                f'{tuple(x.shape)}; use kind="linear" for ViT tokens and a '
                'conv kind for CNN feature maps.')
        return self.proj(x)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns ``(F - F_d, F_d)``, both shaped like ``x``."""
        f_d = self.domain_feature(x)
        return x - f_d, f_d  # Eq. 9: F^{i+1} = F^i - F_d^i

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, kind={self.kind!r}, '
                f'zero_init={self.zero_init}')


@MODELS.register_module()
class DomainClsHead(nn.Module):
    """EMPD's domain feature ``F_dom`` (Eq. 10) and domain classifier (Eq. 12).

    Eq. 10 sums the domain features of all decouplers, ``F_dom = sum_i
    F_d^i``. In a CNN they differ in shape (stage ``i`` of ResNet-18:
    64 x 56 x 56 ... 512 x 7 x 7), so each ``F_d^i`` is pooled (GAP) and
    mapped to a common width by a bias-free ``nn.Linear`` of its
    decoupling point before the sum:

        F_dom = sum_i W_{p(i)} GAP(F_d^i)             # (B, embed_dims)

    where ``p(i)`` is the point (stage) where decoupler output ``i`` was
    taken. Decouplers at the *same* point (EMPD's single / parallel /
    cyclic variants, all on the last stage) share one ``W``; since GAP and
    ``W`` are linear this is exactly ``W GAP(sum_i F_d^i)``, Eq. 10 followed
    by pooling. The classifier is one linear layer: with 2 domains one
    logit and the binary cross-entropy of Eq. 12, with more domains
    (several source datasets) ``num_domains`` logits and cross-entropy.

    Args:
        in_channels (Sequence[int]): channels of each decoupling point,
            e.g. ``(64, 128, 256, 512)``; ``PDEDClassifier`` fills it in.
        num_domains (int): >= 2; ``PDEDClassifier`` fills it in from its
            domain source.
        embed_dims (int, optional): the common width of ``F_dom``;
            defaults to ``in_channels[-1]``.

    Examples:
        >>> head = DomainClsHead(in_channels=(8, 16), num_domains=2)
        >>> feats = [torch.rand(2, 8, 8, 8), torch.rand(2, 16, 4, 4)]
        >>> head(feats, points=[0, 1]).shape  # one BCE logit per sample
        torch.Size([2, 1])
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 num_domains: int = 2,
                 embed_dims: Optional[int] = None):
        super().__init__()
        if isinstance(in_channels, int):
            in_channels = (in_channels, )
        if not in_channels:
            raise ValueError('DomainClsHead: in_channels is empty; a domain '
                             'head needs at least one decoupling point.')
        if num_domains < 2:
            raise ValueError('DomainClsHead: num_domains must be >= 2, got '
                             f'{num_domains}.')
        self.in_channels = tuple(in_channels)
        self.num_domains = num_domains
        self.embed_dims = embed_dims or self.in_channels[-1]
        self.projections = nn.ModuleList(
            nn.Linear(c, self.embed_dims, bias=False)
            for c in self.in_channels)
        self.fc = nn.Linear(self.embed_dims,
                            1 if num_domains == 2 else num_domains)

    def domain_feature(self, feats: List[torch.Tensor],
                       points: Sequence[int]) -> torch.Tensor:
        """Eq. 10 ``F_dom``: (B, embed_dims) from the decoupler outputs
        ``feats`` taken at decoupling points ``points``."""
        if len(feats) != len(points) or not feats:
            raise ValueError(f'DomainClsHead: {len(feats)} domain features '
                             f'for {len(points)} decoupling points.')
        f_dom = 0
        for f_d, p in zip(feats, points):
            f_dom = f_dom + self.projections[p](global_pool(f_d))  # (B, E)
        return f_dom  # Eq. 10: F_dom = sum_i F_d^i (pooled, projected)

    def forward(self, feats: List[torch.Tensor],
                points: Sequence[int]) -> torch.Tensor:
        """Domain logits: (B, 1) for 2 domains, else (B, num_domains)."""
        return self.fc(self.domain_feature(feats, points))

    def loss(self, logits: torch.Tensor,
             labels: torch.Tensor) -> torch.Tensor:
        """Eq. 12 (BCE, 2 domains) or cross-entropy (> 2 domains).

        Args:
            logits (torch.Tensor): ``forward``'s output.
            labels (torch.Tensor): (B,) domain indices.
        """
        if self.num_domains == 2:
            # Eq. 12: -[y_d log s(z) + (1 - y_d) log(1 - s(z))], mean over B
            return F.binary_cross_entropy_with_logits(
                logits.squeeze(1), labels.float())
        return F.cross_entropy(logits, labels.long())

    def accuracy(self, logits: torch.Tensor,
                 labels: torch.Tensor) -> torch.Tensor:
        """Fraction of samples whose domain is predicted right (in %)."""
        if self.num_domains == 2:
            pred = (logits.squeeze(1) > 0).long()
        else:
            pred = logits.argmax(dim=1)
        return (pred == labels.long()).float().mean() * 100
