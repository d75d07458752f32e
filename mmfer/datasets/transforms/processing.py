"""Geometric image transforms that also move pixel-aligned label maps."""
from typing import Dict

import mmcv
import numpy as np
from mmpretrain.datasets.transforms import \
    RandomResizedCrop as _MMPretrainRandomResizedCrop

from mmfer.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomResizedCrop(_MMPretrainRandomResizedCrop):
    """``mmpretrain.RandomResizedCrop`` that crops ``gt_seg_map`` too.

    The same random box (Inception-style: area fraction in
    ``crop_ratio_range``, log-uniform aspect ratio) is cut from the image
    and from the face-parsing map of :class:`~.LoadParsingMap`; the image
    is resized with ``interpolation``, the map with nearest-neighbour, so
    the two stay pixel-aligned. Without a map this is exactly
    ``mmpretrain.RandomResizedCrop`` (same random draws).

    **Required Keys:** ``img``; ``gt_seg_map`` (optional).

    **Modified Keys:** ``img``, ``img_shape``, ``gt_seg_map`` (optional).

    Args:
        See ``mmpretrain.RandomResizedCrop`` (``scale``,
        ``crop_ratio_range``, ``aspect_ratio_range``, ``max_attempts``,
        ``interpolation``, ``backend``).

    Examples:
        >>> import numpy as np
        >>> t = RandomResizedCrop(scale=16)
        >>> out = t(dict(img=np.zeros((32, 40, 3), np.uint8),
        ...              gt_seg_map=np.zeros((32, 40), np.uint8)))
        >>> out['img'].shape, out['gt_seg_map'].shape
        ((16, 16, 3), (16, 16))
    """

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        seg = results.get('gt_seg_map')
        if seg is not None and seg.shape[:2] != img.shape[:2]:
            raise ValueError(
                f'RandomResizedCrop: gt_seg_map {seg.shape[:2]} and img '
                f'{img.shape[:2]} differ in size; load the map after the '
                'image (LoadParsingMap aligns it) and before any crop.')
        offset_h, offset_w, target_h, target_w = self.rand_crop_params(img)
        box = np.array([
            offset_w, offset_h, offset_w + target_w - 1,
            offset_h + target_h - 1
        ])
        size = tuple(self.scale[::-1])  # (w, h) for mmcv
        results['img'] = mmcv.imresize(
            mmcv.imcrop(img, bboxes=box),
            size,
            interpolation=self.interpolation,
            backend=self.backend)
        results['img_shape'] = results['img'].shape
        if seg is not None:
            results['gt_seg_map'] = mmcv.imresize(
                mmcv.imcrop(seg, bboxes=box),
                size,
                interpolation='nearest',
                backend=self.backend)
        return results
