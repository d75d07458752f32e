"""A backbone-neck-head recogniser for expression or AU labels."""
import inspect
from typing import List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from mmfer.models.utils import build_module, check_pretrained_checkpoints
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from mmfer.structures.modalities import loaded_modalities_note
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
        #: channels the backbone takes (None: unknown, not checked)
        self.backbone_in_channels = backbone_in_channels(
            backbone, self.backbone)

    def check_input_channels(
            self,
            inputs: torch.Tensor,
            data_samples: Optional[Sequence[FERDataSample]] = None) -> None:
        """Refuse a (B, C, H, W) batch whose C is not the backbone's input
        channel count, before the backbone's first convolution fails.

        One shape comparison per call. The message names
        ``model.backbone.in_channels``, the input's channel count and, when
        the data samples carry them (``LoadFaceModalities``), the loaded
        modalities and channel names.
        """
        expected = self.backbone_in_channels
        if expected is None or not isinstance(inputs, torch.Tensor) or \
                inputs.dim() != 4 or inputs.shape[1] == expected:
            return
        got = inputs.shape[1]  # inputs: (B, C, H, W)
        loaded = loaded_modalities_note(data_samples, channels=True)
        loaded = f'; {loaded}' if loaded else ''
        raise ValueError(
            f'{type(self).__name__}: the input batch has {got} channels '
            f'(shape {tuple(inputs.shape)}{loaded}), but '
            f'model.backbone.in_channels is {expected} '
            f'({type(self.backbone).__name__}). Set '
            f'model.backbone.in_channels={got} (and give the '
            f'data_preprocessor mean/std {got} values), or load '
            f'{expected}-channel input (LoadFaceModalities modalities, '
            'SelectModalities).')

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
        self.check_input_channels(inputs, data_samples)
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


def backbone_in_channels(cfg: Union[dict, nn.Module, None],
                         backbone: Optional[nn.Module]) -> Optional[int]:
    """Input channel count of a built image backbone, or None if unknown.

    The count is the config's ``in_channels``, else the module's
    ``in_channels`` attribute, else the default of its class's
    ``in_channels`` argument (mmpretrain's ``ResNet`` / ``VisionTransformer``
    : 3). It is trusted only if the backbone's first ``Conv2d`` (if any)
    takes that many channels, so a backbone whose ``in_channels`` means
    something else, or that projects channels first, is not checked.

    Args:
        cfg (dict | nn.Module | None): the ``backbone`` argument as given.
        backbone (nn.Module | None): the built backbone.

    Returns:
        int | None: the channel count C of its (B, C, H, W) input.
    """
    if backbone is None:
        return None
    value = cfg.get('in_channels') if isinstance(cfg, dict) else None
    if value is None:
        value = getattr(backbone, 'in_channels', None)
    if value is None:
        try:
            param = inspect.signature(
                type(backbone).__init__).parameters.get('in_channels')
        except (TypeError, ValueError):
            param = None
        value = None if param is None else param.default
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    first_conv = next((m for m in backbone.modules()
                       if isinstance(m, nn.modules.conv._ConvNd)), None)
    if first_conv is not None and (not isinstance(first_conv, nn.Conv2d)
                                   or first_conv.in_channels != value):
        return None
    return value
