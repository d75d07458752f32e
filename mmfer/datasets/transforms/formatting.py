"""Packing loaded samples into model inputs and FERDataSample."""
from typing import Dict, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.structures import FERDataSample


def to_chw_tensor(array: np.ndarray) -> torch.Tensor:
    """(..., H, W, C) array -> (..., C, H, W) contiguous tensor."""
    if array.ndim == 2:
        array = array[..., None]
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor.movedim(-1, -3).contiguous()


@TRANSFORMS.register_module()
class PackFERInputs(BaseTransform):
    """Pack a sample into ``inputs`` and a :class:`FERDataSample`.

    ``inputs`` is a tensor when ``input_keys`` names one key and a dict of
    tensors (keyed by input name) when it names several, e.g. video and
    audio. Image-like arrays (H, W, C) or clips (T, H, W, C) become
    (C, H, W) / (T, C, H, W); other arrays (e.g. an audio fbank) are
    converted as they are.

    **Required Keys:** the ``input_keys``; optionally ``gt_label``
    (expression), ``au_occ``, ``au_int`` and the ``meta_keys``, among them
    ``domain`` (str, the dataset name every mmfer dataset puts on its
    samples; read back as ``data_sample.domain``), SynthFace's
    ``domain_label`` (int) / ``domain_name`` (str) of the rendered domain,
    and :class:`~.LoadAudioFbank`'s ``has_audio`` / ``audio_truncated``
    (bool; a truncated wav loaded with ``on_truncated='pad'`` or
    ``'zero'``). Meta keys missing from a sample are left out of its
    metainfo.

    A ``gt_seg_map`` (face parsing, :class:`~.LoadParsingMap`) becomes
    ``data_sample.gt_parsing`` (H, W).

    **Added Keys:** ``inputs``, ``data_samples``.

    Args:
        input_keys (str | Sequence[str] | dict): result keys to pack; a
            dict maps result keys to input names. Defaults to ``'img'``.
        image_keys (Sequence[str]): which of them are images/clips in HWC
            layout to move to CHW. Defaults to ``('img', 'imgs')``.
        meta_keys (Sequence[str]): keys copied into the data sample's
            metainfo when present.
    """

    DEFAULT_META_KEYS = ('sample_idx', 'img_path', 'subject', 'domain',
                         'domain_label', 'domain_name', 'modalities',
                         'channel_names', 'ori_shape', 'img_shape',
                         'scale_factor', 'flip', 'flip_direction', 'clip_id',
                         'audio_path', 'has_audio', 'audio_truncated',
                         'num_frames', 'frame_inds',
                         'num_clips', 'total_frames')

    def __init__(self,
                 input_keys: Union[str, Sequence[str], Dict[str, str]] = 'img',
                 image_keys: Sequence[str] = ('img', 'imgs'),
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS):
        if isinstance(input_keys, str):
            input_keys = {input_keys: None}
        elif not isinstance(input_keys, dict):
            input_keys = {k: k for k in input_keys}
        self.input_keys = dict(input_keys)
        self.image_keys = tuple(image_keys)
        self.meta_keys = tuple(meta_keys)

    def _to_tensor(self, key, value):
        if isinstance(value, torch.Tensor):
            return value
        if key in self.image_keys:
            return to_chw_tensor(np.asarray(value))
        return torch.as_tensor(np.asarray(value))

    def transform(self, results: Dict) -> Dict:
        inputs = {}
        for key, name in self.input_keys.items():
            if key not in results:
                raise KeyError(f'PackFERInputs: "{key}" is not in the sample '
                               f'(keys: {sorted(results)}). Check the '
                               'pipeline order.')
            inputs[name] = self._to_tensor(key, results[key])
        packed = dict(
            inputs=inputs[None] if None in inputs else inputs)

        sample = FERDataSample()
        if results.get('gt_label') is not None:
            sample.set_gt_label(int(results['gt_label']))
        if results.get('au_occ') is not None:
            sample.set_au_label(results['au_occ'])
        if results.get('au_int') is not None:
            sample.set_au_intensity(results['au_int'])
        if results.get('gt_seg_map') is not None:
            sample.set_parsing(results['gt_seg_map'])  # LoadParsingMap
        sample.set_metainfo(
            {k: results[k]
             for k in self.meta_keys if k in results})
        packed['data_samples'] = sample
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_keys={self.input_keys}, '
                f'image_keys={self.image_keys})')
