"""The CM-CNN classification head: FC + PReLU (+ sigmoid), Eq. 4."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.heads import ClsHead
from torch import nn

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample

ACTIVATIONS = ('sigmoid', 'softmax', None)


@MODELS.register_module()
class CMCNNClsHead(ClsHead):
    """Expression head of CM-CNN (Sec. III-D, Eq. 4).

    Ni et al., "Facial Expression Recognition Through Cross-Modality
    Attention Fusion", IEEE TCDS 2023:

    .. math:: F = \\sigma(\\mathrm{PReLU}(Fc1(f_v))) \\quad (4)

    How F is trained (the paper does not say): ``forward`` returns the
    pre-sigma scores ``PReLU(Fc1(f_v))`` (B, K), and the loss takes them
    as logits and applies its own softmax to obtain p (Eq. 5,
    :class:`mmfer.models.losses.SoftFocalLoss`, the default; or
    ``mmpretrain.CrossEntropyLoss``). A sigmoid per class does not give
    the probability distribution over classes that the focal loss needs.
    ``predict`` reports ``activation`` applied to the same scores as
    ``pred_score``: the sigmoid of Eq. 4 as printed (per-class scores in
    (0, 1), not summing to 1), ``'softmax'`` (a distribution, as
    mmpretrain's heads), or None (the raw PReLU scores, the plain-logit
    variant); ``pred_label`` is the argmax in every case (sigma and
    softmax are monotonic), which mmfer's ``ExpressionMetric`` and
    mmpretrain's ``Accuracy`` read.

    PReLU has one slope for all K outputs (``nn.PReLU()``, init 0.25).

    Args:
        in_channels (int): length of f_v, e.g. ``CMFN.out_channels``
            (1536 for 3 modalities of 128 channels).
        num_classes (int): K; six basic expressions. Defaults to 6.
        activation (str | None): ``'sigmoid'``, ``'softmax'`` or None.
            Defaults to 'sigmoid'.
        loss (dict | nn.Module): defaults to ``dict(type='SoftFocalLoss')``.
        topk (int | tuple[int]): for ``cal_acc``. Defaults to (1, ).
        cal_acc (bool): log training accuracy. Defaults to False.
        init_cfg (dict, optional): initialisation config.

    Inputs: a neck output tuple (its last entry, (B, in_channels), is
    used) or a (B, in_channels) tensor.

    Examples:
        >>> head = CMCNNClsHead(in_channels=96)
        >>> head((torch.rand(2, 96), )).shape
        torch.Size([2, 6])
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int = 6,
                 activation: Optional[str] = 'sigmoid',
                 loss: Union[dict, nn.Module] = dict(type='SoftFocalLoss'),
                 topk: Union[int, Tuple[int]] = (1, ),
                 cal_acc: bool = False,
                 init_cfg: Optional[dict] = None):
        if activation not in ACTIVATIONS:
            raise ValueError(f'CMCNNClsHead: activation must be one of '
                             f'{ACTIVATIONS}, got {activation!r}')
        if num_classes <= 0 or in_channels <= 0:
            raise ValueError('CMCNNClsHead: in_channels and num_classes must '
                             f'be positive, got {in_channels}, {num_classes}')
        if not isinstance(loss, nn.Module):
            loss = MODELS.build(loss)
        super().__init__(
            loss=loss, topk=topk, cal_acc=cal_acc, init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.activation = activation
        self.fc = nn.Linear(in_channels, num_classes)  # Fc1
        self.act = nn.PReLU()

    def pre_logits(self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
                   ) -> torch.Tensor:
        """f_v (B, in_channels) from the neck output."""
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'CMCNNClsHead(in_channels={self.in_channels}) '
                             f'got features of shape {tuple(x.shape)}; set '
                             'in_channels to the neck output length (CMFN: '
                             'M * 2 * (M - 1) * C).')
        return x

    def forward(self, feats) -> torch.Tensor:
        """Pre-sigma scores PReLU(Fc1(f_v)), (B, K): the loss's logits."""
        return self.act(self.fc(self.pre_logits(feats)))  # Eq. 4 inside σ

    def scores(self, cls_score: torch.Tensor) -> torch.Tensor:
        """``activation`` applied to the (B, K) scores (Eq. 4's sigma)."""
        if self.activation == 'sigmoid':
            return torch.sigmoid(cls_score)  # Eq. 4
        if self.activation == 'softmax':
            return torch.softmax(cls_score, dim=1)
        return cls_score

    def _get_predictions(self, cls_score: torch.Tensor,
                         data_samples: Optional[List[FERDataSample]]
                         ) -> List[FERDataSample]:
        """Set ``pred_score`` (activation) and ``pred_label`` (argmax)."""
        scores = self.scores(cls_score).detach()  # (B, K)
        labels = scores.argmax(dim=1, keepdim=True)  # (B, 1)
        if data_samples is None:
            data_samples = [None] * scores.shape[0]
        out = []
        for sample, score, label in zip(data_samples, scores, labels):
            sample = FERDataSample() if sample is None else sample
            sample.set_pred_score(score).set_pred_label(label)
            out.append(sample)
        return out

    def extra_repr(self) -> str:
        return f'activation={self.activation!r}'
