"""Batching and normalisation of image, clip and multi-input samples."""
from numbers import Number
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseDataPreprocessor

from mmfer.registry import MODELS
from mmfer.structures.modalities import loaded_modalities_note

MeanStd = Optional[Union[Sequence[Number], Dict[str, Sequence[Number]]]]


@MODELS.register_module()
class FERDataPreprocessor(BaseDataPreprocessor):
    """Stack, normalise and augment a batch of mmfer samples.

    Handles ``inputs`` that are, per sample, an image (C, H, W), a clip
    (T, C, H, W), any other tensor (e.g. an audio fbank), or a dict of
    those (multi-input models such as audio-visual FER). Normalisation is
    ``(x - mean) / std`` along the channel axis (dim -3 of images and
    clips), for any number of channels (RGB = 3, RGB+D+T = 5, ...).

    Args:
        mean (Sequence | dict, optional): per-channel mean; for dict inputs
            a dict from input name to per-channel mean (inputs not named
            are not normalised). Defaults to None (no normalisation).
        std (Sequence | dict, optional): like ``mean``.
        batch_augments (list[dict | callable], optional): applied in
            training only, in order, as ``inputs, data_samples =
            aug(inputs, data_samples)``; e.g. a batched ``ChannelMixing``.
    """

    def __init__(self,
                 mean: MeanStd = None,
                 std: MeanStd = None,
                 batch_augments: Optional[List[Union[dict, object]]] = None,
                 non_blocking: bool = False):
        super().__init__(non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError('mean and std must be both given or both None')
        if isinstance(mean, dict) != isinstance(std, dict):
            raise ValueError('mean and std must both be dicts or sequences')
        self._norm_keys = []
        if isinstance(mean, dict):
            if set(mean) != set(std):
                raise ValueError(f'mean and std name different inputs: '
                                 f'{sorted(mean)} vs {sorted(std)}')
            for key in mean:
                self._register_norm(key, mean[key], std[key])
        elif mean is not None:
            self._register_norm(None, mean, std)
        self.batch_augments = [
            MODELS.build(aug) if isinstance(aug, dict) else aug
            for aug in (batch_augments or [])
        ]

    def _register_norm(self, key, mean, std):
        if len(mean) != len(std):
            raise ValueError(f'mean {mean} and std {std} differ in length')
        suffix = '' if key is None else f'_{key}'
        self.register_buffer(f'mean{suffix}',
                             torch.tensor(mean, dtype=torch.float32), False)
        self.register_buffer(f'std{suffix}',
                             torch.tensor(std, dtype=torch.float32), False)
        self._norm_keys.append(key)

    def _stack(self, values, key) -> torch.Tensor:
        if isinstance(values, torch.Tensor):
            return values
        shapes = {tuple(v.shape) for v in values}
        if len(shapes) > 1:
            raise ValueError(
                f'Samples of input "{key or "inputs"}" differ in shape '
                f'{sorted(shapes)}; add a Resize/CenterCrop to the pipeline '
                'so that every sample has the same size.')
        return torch.stack(list(values))

    def _normalize(self, x: torch.Tensor, key,
                   data_samples: Optional[list] = None) -> torch.Tensor:
        """``(x - mean) / std`` along the channel axis (-3) of a (B, C, H,
        W) or (B, T, C, H, W) batch; ``data_samples`` only name the loaded
        modalities in the error for a channel-count mismatch."""
        x = x.float()
        if key not in self._norm_keys:
            return x
        suffix = '' if key is None else f'_{key}'
        mean, std = getattr(self, f'mean{suffix}'), getattr(
            self, f'std{suffix}')
        if x.dim() < 4 or x.shape[-3] != mean.numel():
            loaded = loaded_modalities_note(data_samples)
            loaded = f' ({loaded})' if loaded else ''
            name = '' if key is None else f'["{key}"]'
            raise ValueError(
                f'Input "{key or "inputs"}" has shape {tuple(x.shape)}'
                f'{loaded} but model.data_preprocessor.mean{name} / '
                f'std{name} have {mean.numel()} channels (channel axis -3). '
                'The channel count of the data (its modalities) and of the '
                'data_preprocessor config (and model.backbone.in_channels) '
                'must agree.')
        view = [1] * x.dim()
        view[-3] = -1
        return (x - mean.view(view)) / std.view(view)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Stack and normalise ``data['inputs']``; apply batch augments.

        Returns:
            dict: ``inputs`` as (B, ...) float tensor(s) on the model's
            device, and ``data_samples``.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        data_samples = data.get('data_samples')
        if isinstance(inputs, dict):
            inputs = {
                k: self._normalize(self._stack(v, k), k, data_samples)
                for k, v in inputs.items()
            }
        else:
            inputs = self._normalize(
                self._stack(inputs, None), None, data_samples)
        if training:
            for aug in self.batch_augments:
                inputs, data_samples = aug(inputs, data_samples)
        return dict(inputs=inputs, data_samples=data_samples)


def build_data_preprocessor(cfg: Optional[Union[dict, BaseDataPreprocessor]],
                            default: Optional[dict] = None
                            ) -> BaseDataPreprocessor:
    """Build a model's ``data_preprocessor`` argument.

    Args:
        cfg (dict | BaseDataPreprocessor | None): the argument as given.
        default (dict, optional): config used when ``cfg`` is None.
            Defaults to ``dict(type='FERDataPreprocessor')``.

    Returns:
        BaseDataPreprocessor: the built module.
    """
    if cfg is None:
        cfg = default if default is not None else dict(
            type='FERDataPreprocessor')
    return MODELS.build(cfg) if isinstance(cfg, dict) else cfg
