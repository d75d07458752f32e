"""Multi-label AU detection head: global average pooling + linear."""
from typing import List, Optional, Sequence, Union

import torch
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import nn

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample


@MODELS.register_module()
class AUClsHead(BaseModule):
    """GAP over patch tokens, (LayerNorm), linear layer, sigmoid per AU.

    Zhang et al., "Multimodal Channel-Mixing", WACV 2024, Sec. 3.6: "Similar
    to the MAE we use the average pooling instead of the class token",
    trained as multi-label detection with the weighted BCE of Eq. 4-6
    (:class:`mmfer.models.losses.WeightedBCELoss`). As in MAE's fine-tuning
    (the paper is silent): the pooled feature is layer-normalised
    (``norm_cfg``; use the backbone with ``final_norm=False``) and the
    linear layer is initialised with std 2e-5.

    Input features: a backbone output tuple (the ``in_index`` entry is
    used) of ``mmpretrain.VisionTransformer`` with
    ``out_type='featmap'`` (B, D, h, w), or ``'raw'`` (B, 1 + L, D) (the
    class token is dropped when ``raw_has_cls_token``), or already pooled
    (B, D).

    Args:
        num_classes (int): number of AUs K.
        in_channels (int): feature width D.
        loss (dict | nn.Module): defaults to ``dict(type='WeightedBCELoss',
            pos_weight='auto')``.
        threshold (float): probability threshold of ``pred_au``. Defaults
            to 0.5.
        norm_cfg (dict, optional): norm after pooling; None disables it.
            Defaults to ``dict(type='LN', eps=1e-6)``.
        raw_has_cls_token (bool): whether 3-D inputs start with a class
            token. Defaults to True.
        in_index (int): which backbone output to use. Defaults to -1.
        init_cfg (dict, optional): defaults to a truncated normal with std
            2e-5 on the linear layer (MAE).

    Examples:
        >>> head = AUClsHead(num_classes=12, in_channels=32,
        ...                  loss=dict(type='WeightedBCELoss'))
        >>> head((torch.rand(2, 32, 4, 4), )).shape
        torch.Size([2, 12])
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: Union[dict, nn.Module] = dict(
                     type='WeightedBCELoss', pos_weight='auto'),
                 threshold: float = 0.5,
                 norm_cfg: Optional[dict] = dict(type='LN', eps=1e-6),
                 raw_has_cls_token: bool = True,
                 in_index: int = -1,
                 init_cfg: Optional[dict] = dict(
                     type='TruncNormal', layer='Linear', std=2e-5)):
        super().__init__(init_cfg=init_cfg)
        if num_classes <= 0:
            raise ValueError(f'num_classes must be positive, got {num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.threshold = threshold
        self.raw_has_cls_token = raw_has_cls_token
        self.in_index = in_index
        self.loss_module = loss if isinstance(loss, nn.Module) else \
            MODELS.build(loss)
        self.norm = build_norm_layer(norm_cfg, in_channels)[1] \
            if norm_cfg is not None else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes)

    def pre_logits(self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
                   ) -> torch.Tensor:
        """Pooled, normalised feature (B, D)."""
        x = feats[self.in_index] if isinstance(feats, (tuple, list)) \
            else feats
        if x.dim() == 4:
            x = x.flatten(2).mean(dim=2)  # (B, D, h, w) -> (B, D)
        elif x.dim() == 3:
            if self.raw_has_cls_token:
                x = x[:, 1:]  # drop the class token
            x = x.mean(dim=1)  # (B, L, D) -> (B, D)
        elif x.dim() != 2:
            raise ValueError(f'AUClsHead got features of shape '
                             f'{tuple(x.shape)}; expected (B, D, h, w), '
                             '(B, L, D) or (B, D).')
        if x.shape[1] != self.in_channels:
            raise ValueError(f'AUClsHead(in_channels={self.in_channels}) got '
                             f'{x.shape[1]}-dim features')
        return self.norm(x)

    def forward(self, feats) -> torch.Tensor:
        """AU logits (B, K)."""
        return self.fc(self.pre_logits(feats))

    @staticmethod
    def _targets(data_samples: List[FERDataSample]) -> torch.Tensor:
        missing = [i for i, s in enumerate(data_samples) if 'gt_au' not in s]
        if missing:
            raise KeyError('AUClsHead.loss needs AU labels (gt_au) in every '
                           f'data sample; samples {missing} have none. Use '
                           'an AU dataset (au_occ annotations).')
        return torch.stack([s.gt_au for s in data_samples])  # (B, K)

    def loss(self, feats, data_samples: List[FERDataSample]) -> dict:
        """``dict(loss=...)``, Eq. 6 over the batch."""
        logits = self(feats)
        target = self._targets(data_samples).to(logits.device)
        if target.shape[1] != self.num_classes:
            raise ValueError(f'{target.shape[1]} AU labels per sample but the '
                             f'head predicts {self.num_classes}')
        return dict(loss=self.loss_module(logits, target))

    def predict(self, feats,
                data_samples: Optional[List[FERDataSample]] = None
                ) -> List[FERDataSample]:
        """Set ``pred_au_score`` (sigmoid) and ``pred_au`` (>= threshold)."""
        scores = torch.sigmoid(self(feats)).detach()
        if data_samples is None:
            data_samples = [FERDataSample() for _ in range(scores.shape[0])]
        for sample, score in zip(data_samples, scores):
            sample.set_pred_au(score, self.threshold)
        return data_samples
