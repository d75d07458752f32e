"""Loading face-parsing maps so that geometric transforms move them too.

The map goes into ``results['gt_seg_map']``, the key mmcv's geometric
transforms already carry along with the image using nearest-neighbour
interpolation: ``mmpretrain.Resize`` / ``mmpretrain.RandomFlip`` /
``mmpretrain.CenterCrop`` (mmcv's ``Resize``, ``RandomFlip``,
``CenterCrop``, ``Pad``) and mmfer's :class:`~.RandomResizedCrop` (in
place of ``mmpretrain.RandomResizedCrop``, which crops the image only).
:class:`~.PackFERInputs` puts it into ``data_sample.gt_parsing``.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.structures.modalities import path_key
# CelebAMask-HQ's merge order and class names (one source of truth)
from mmfer.structures.parsing import (CELEBAMASK_HQ_CLASSES,
                                      CELEBAMASK_HQ_PARTS)
from .loading import read_image_file

_SIDES = (('left_', 'right_'), ('l_', 'r_'))


def parsing_flip_pairs(classes: Sequence[str]) -> List[Tuple[int, int]]:
    """Id pairs of left/right classes, to swap after a horizontal flip.

    A mirrored face has its left eye where the right one was: without the
    swap, the flipped map would call it ``right_eye``. Pass the result as
    ``swap_seg_labels`` of ``mmpretrain.RandomFlip``. Classes named
    ``left_*`` / ``right_*`` (SynthFace) or ``l_*`` / ``r_*``
    (CelebAMask-HQ) are paired.

    Examples:
        >>> parsing_flip_pairs(('background', 'left_eye', 'right_eye'))
        [(1, 2)]
        >>> parsing_flip_pairs(CELEBAMASK_HQ_CLASSES)
        [(4, 5), (6, 7), (8, 9)]
    """
    index = {name: i for i, name in enumerate(classes)}
    pairs = []
    for name, i in index.items():
        for left, right in _SIDES:
            if name.startswith(left):
                j = index.get(right + name[len(left):])
                if j is not None:
                    pairs.append((i, j))
    return pairs


@TRANSFORMS.register_module()
class LoadParsingMap(BaseTransform):
    """Load a face-parsing class map as ``gt_seg_map``.

    Two file layouts:

    - **one class map per image** (SynthFace's ``parsing/<subject>/
      <index>.png``, most parsing datasets): ``parsing_path`` is a uint8
      PNG whose pixel values are class ids;
    - **one binary mask per part** (CelebAMask-HQ's
      ``CelebAMask-HQ-mask-anno/<k // 2000>/<k:05d>_<part>.png``):
      ``parsing_path`` is a template with ``{part}``, e.g.
      ``'.../0/00000_{part}.png'``. Every part of ``parts`` whose file
      exists is drawn (white = part) in the order given, later parts over
      earlier ones; part ``k`` gets id ``k + 1``, 0 is background. An
      absent file is an absent part (CelebAMask-HQ writes no file for a
      part an image does not show).

    If an image is already loaded (``img``) and the map has another size
    with the same aspect ratio (CelebAMask-HQ: 512 x 512 masks for 1024 x
    1024 images), the map is resized to the image with nearest-neighbour
    interpolation; any other size mismatch is an error naming the file.

    **Required Keys:** ``parsing_path``; ``img`` (optional, to align to).

    **Added Keys:** ``gt_seg_map`` (H, W) uint8 class ids.

    Args:
        parts (Sequence[str]): part names of the per-part layout, in merge
            order. Defaults to :data:`CELEBAMASK_HQ_PARTS`.
        num_classes (int, optional): if given, every id must be below it
            (catches a wrong file or class list early).
        resize_to_img (bool): resize a map of another size but the same
            aspect ratio to the loaded image. Defaults to True.

    Examples:
        >>> import tempfile, os.path as osp, numpy as np, cv2
        >>> d = tempfile.mkdtemp()
        >>> cv2.imwrite(osp.join(d, 'map.png'), np.eye(4, dtype=np.uint8))
        True
        >>> out = LoadParsingMap()(dict(parsing_path=osp.join(d, 'map.png'),
        ...                             img=np.zeros((8, 8, 3), np.uint8)))
        >>> out['gt_seg_map'].shape, out['gt_seg_map'].dtype.name
        ((8, 8), 'uint8')
    """

    def __init__(self,
                 parts: Sequence[str] = CELEBAMASK_HQ_PARTS,
                 num_classes: Optional[int] = None,
                 resize_to_img: bool = True):
        parts = tuple(parts)
        if not parts or len(set(parts)) != len(parts) or len(parts) > 254:
            raise ValueError('LoadParsingMap: parts must be 1-254 distinct '
                             f'names, got {parts}.')
        if num_classes is not None and not 1 <= num_classes <= 256:
            raise ValueError('LoadParsingMap: num_classes must be in [1, '
                             f'256], got {num_classes}.')
        self.parts = parts
        self.num_classes = num_classes
        self.resize_to_img = resize_to_img
        self.key = path_key('parsing')

    def _read_class_map(self, path: str) -> np.ndarray:
        lab = read_image_file(path, cv2.IMREAD_UNCHANGED)
        if lab.ndim == 3:
            if not (lab == lab[..., :1]).all():
                raise ValueError(
                    f'{path}: a parsing class map must be one channel of '
                    'class ids; this file has differing colour channels '
                    '(a colour visualisation?). Write the ids as a '
                    'single-channel uint8 PNG.')
            lab = lab[..., 0]
        if lab.dtype != np.uint8:
            raise ValueError(f'{path}: parsing maps must be uint8 PNGs of '
                             f'class ids, got dtype {lab.dtype}.')
        return lab

    def _read_part_masks(self, template: str) -> np.ndarray:
        lab = None
        for k, part in enumerate(self.parts):
            path = template.format(part=part)
            if not osp.isfile(path):
                continue
            mask = read_image_file(path, cv2.IMREAD_GRAYSCALE) > 127
            if lab is None:
                lab = np.zeros(mask.shape, np.uint8)
            elif mask.shape != lab.shape:
                raise ValueError(
                    f'{path}: part mask of size {mask.shape} differs from '
                    f'the other parts of this image ({lab.shape}).')
            lab[mask] = k + 1
        if lab is None:
            raise FileNotFoundError(
                f'No part mask found for the template {template} (parts '
                f'{self.parts}). Check data_root and the annotation paths.')
        return lab

    def _align(self, lab: np.ndarray, img: np.ndarray,
               path: str) -> np.ndarray:
        (h, w), (H, W) = lab.shape[:2], img.shape[:2]
        if (h, w) == (H, W):
            return lab
        if not self.resize_to_img or h * W != H * w:
            raise ValueError(
                f'{path}: parsing map of size {(h, w)} does not match the '
                f'image of size {(H, W)}'
                + ('' if h * W == H * w else ' (other aspect ratio)') +
                '; the map must be pixel-aligned with the image.')
        return cv2.resize(lab, (W, H), interpolation=cv2.INTER_NEAREST)

    def transform(self, results: Dict) -> Dict:
        path = results.get(self.key)
        if not path:
            raise KeyError(f'LoadParsingMap needs "{self.key}", but the '
                           f'sample has keys {sorted(results)}. Does the '
                           'dataset provide parsing maps?')
        lab = (self._read_part_masks(path) if '{part}' in path else
               self._read_class_map(path))
        if results.get('img') is not None:
            lab = self._align(lab, results['img'], path)
        if self.num_classes is not None and lab.max() >= self.num_classes:
            raise ValueError(
                f'{path}: class id {int(lab.max())} >= num_classes='
                f'{self.num_classes}. Check the file or the class list.')
        results['gt_seg_map'] = lab
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(parts={self.parts}, '
                f'num_classes={self.num_classes}, '
                f'resize_to_img={self.resize_to_img})')
