"""A backbone-neck-head recogniser for expression or AU labels."""
from typing import List, Optional, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from mmfer.models.utils import build_module, check_pretrained_checkpoints
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from ..data_preprocessors import build_data_preprocessor


@MODELS.register_module()
class FERClassifier(BaseModel):
    """Backbone -> (neck) -> head, for face images or clips.

    The head decides the task: an mmpretrain classification head
    (``mmpretrain.LinearClsHead``) predicts the expression, an AU head
    predicts multi-label AUs. Heads follow mmpretrain's interface:
    ``loss(feats, data_samples) -> dict`` and ``predict(feats,
    data_samples) -> list``.

    Args:
        backbone (dict | nn.Module): e.g. ``dict(type='mmpretrain.
            VisionTransformer', ...)``.
        neck (dict | nn.Module, optional): e.g. a pooling neck.
        head (dict | nn.Module): the task head.
        data_preprocessor (dict, optional): defaults to
            ``dict(type='FERDataPreprocessor')``.
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> import torch
        >>> model = FERClassifier(
        ...     backbone=dict(type='mmpretrain.VisionTransformer',
        ...                   arch=dict(embed_dims=32, num_layers=1,
        ...                             num_heads=2,
        ...                             feedforward_channels=64),
        ...                   img_size=32, patch_size=8),
        ...     head=dict(type='mmpretrain.VisionTransformerClsHead',
        ...               num_classes=7, in_channels=32,
        ...               loss=dict(type='mmpretrain.CrossEntropyLoss')))
        >>> model(torch.rand(2, 3, 32, 32), mode='tensor').shape
        torch.Size([2, 7])
    """

    def __init__(self,
                 backbone: Union[dict, nn.Module],
                 head: Union[dict, nn.Module],
                 neck: Optional[Union[dict, nn.Module]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            init_cfg=init_cfg,
            data_preprocessor=build_data_preprocessor(data_preprocessor))
        self.backbone = build_module(backbone)
        self.neck = build_module(neck)
        self.head = build_module(head)

    def init_weights(self) -> None:
        """Fail early, naming the file and its producer, if a pre-trained
        checkpoint in an ``init_cfg`` is missing."""
        check_pretrained_checkpoints(self)
        super().init_weights()

    def extract_feat(self, inputs: torch.Tensor):
        """Backbone (and neck) features of a (B, C, H, W) batch."""
        feats = self.backbone(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        return feats

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[FERDataSample]] = None,
                mode: str = 'tensor'):
        """mmengine's three modes: ``'tensor'`` (head logits), ``'loss'``
        (dict of losses) and ``'predict'`` (data samples with
        predictions)."""
        if mode == 'tensor':
            feats = self.extract_feat(inputs)
            return self.head(feats) if self.head is not None else feats
        if mode == 'loss':
            return self.head.loss(self.extract_feat(inputs), data_samples)
        if mode == 'predict':
            return self.head.predict(self.extract_feat(inputs), data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; use "tensor", "loss" or '
                           '"predict".')

    def get_layer_depth(self, param_name: str):
        """Layer depth for layer-wise lr decay (mmpretrain's
        ``LearningRateDecayOptimWrapperConstructor``)."""
        if hasattr(self.backbone, 'get_layer_depth'):
            return self.backbone.get_layer_depth(param_name, 'backbone.')
        raise NotImplementedError(
            f"{type(self.backbone).__name__} has no get_layer_depth(); "
            'layer-wise lr decay needs a ViT-like backbone.')
