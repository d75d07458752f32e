"""Frame sampling and loading of face-frame clips (DFER datasets).

Segment-based sampling as in MMA-DFER (Chumachenko et al., CVPRW 2024,
https://arxiv.org/abs/2404.09010, Sec. 4.1: "16 frames"), inherited from
DFER-CLIP / TSN: the clip's ``N`` frames are cut into ``T`` equal segments;
training takes a random frame of each segment, testing the segment
midpoint; clips with fewer than ``T`` frames repeat their last frame.

Augmentation reuses mmaction2's clip transforms, which draw one random
state per clip and apply it to every frame (``mmaction.ColorJitter``,
``mmaction.RandomResizedCrop``, ``mmaction.Resize``, ``mmaction.Flip``);
:class:`FormatClip` then stacks the frame list into the array layout
:class:`~mmfer.datasets.transforms.PackFERInputs` expects.
"""
import os
import os.path as osp
import re
from typing import List

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from .loading import read_image_file

#: File extensions recognised as frames.
FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def _natural_key(name: str):
    """'10.jpg' after '9.jpg': split digit runs and compare them as ints."""
    return [int(s) if s.isdigit() else s for s in re.split(r'(\d+)', name)]


def list_frames(frame_dir: str, order: str = 'natural') -> List[str]:
    """Sorted frame files of a clip folder.

    Args:
        frame_dir (str): folder holding one image per frame, named with
            padded (``00001.jpg``) or unpadded (``0.jpg``) numbers.
        order (str): ``'natural'`` (numeric order, the temporal one) or
            ``'lexicographic'`` (plain string sort: what the official
            MMA-DFER loader does with ``glob`` + ``sort``, which misorders
            unpadded names such as MAFW's ``10.jpg`` < ``2.jpg``).

    Returns:
        list[str]: frame file names (not paths).
    """
    if order not in ('natural', 'lexicographic'):
        raise ValueError(f"order must be 'natural' or 'lexicographic', got "
                         f'{order!r}')
    if not osp.isdir(frame_dir):
        raise FileNotFoundError(
            f'Frame folder not found: {frame_dir}. Extract the frames (e.g. '
            'tools/dataset_converters/extract_face_frames.py) or check '
            'data_root.')
    names = [
        n for n in os.listdir(frame_dir)
        if n.lower().endswith(FRAME_EXTENSIONS)
    ]
    return sorted(names, key=_natural_key if order == 'natural' else None)


def segment_indices(num_frames: int,
                    clip_len: int,
                    test_mode: bool,
                    num_clips: int = 1,
                    rng=None) -> np.ndarray:
    """Segment-based frame indices of MMA-DFER / DFER-CLIP.

    - ``num_frames >= clip_len``, training: segment length
      ``L = num_frames // clip_len``; frame ``i`` is ``i * L + U{0..L-1}``
      (so the tail ``num_frames - clip_len * L`` frames are never drawn, as
      in the official code).
    - ``num_frames > clip_len``, test: ``tick = num_frames / clip_len``;
      clip ``k`` of ``num_clips`` takes ``int(tick * (i + (k + 0.5) /
      num_clips))``: the segment midpoint for one clip, the quarter points
      for the "2-clip" protocol (two uniformly spread clips).
    - ``num_frames <= clip_len``: ``0, 1, ..., num_frames - 1`` then the last
      frame repeated (edge padding), for every clip.

    Args:
        num_frames (int): frames in the clip (>= 1).
        clip_len (int): frames per sampled clip (``T``).
        test_mode (bool): midpoints (True) or random (False).
        num_clips (int): clips to sample. Defaults to 1.
        rng (np.random.Generator | module, optional): random source with
            ``integers`` or ``randint``; defaults to ``np.random`` (seeded
            by mmengine per worker and by ``RandomStateHook`` per epoch).

    Returns:
        np.ndarray: (num_clips * clip_len,) int64 frame indices, clip-major.

    Example:
        >>> segment_indices(32, 4, test_mode=True)
        array([ 4, 12, 20, 28])
    """
    if num_frames < 1:
        raise ValueError(f'A clip needs at least one frame, got {num_frames}')
    if clip_len < 1 or num_clips < 1:
        raise ValueError('clip_len and num_clips must be >= 1')
    if num_frames <= clip_len:
        inds = np.minimum(np.arange(clip_len), num_frames - 1)  # edge pad
        return np.tile(inds, num_clips).astype(np.int64)
    if test_mode:
        tick = num_frames / float(clip_len)
        inds = [
            int(tick * (i + (k + 0.5) / num_clips)) for k in range(num_clips)
            for i in range(clip_len)
        ]
        return np.asarray(inds, dtype=np.int64)
    rng = np.random if rng is None else rng
    draw = getattr(rng, 'integers', None) or rng.randint
    seg = num_frames // clip_len
    base = np.arange(clip_len) * seg  # (T, )
    return np.concatenate([
        base + draw(0, seg, size=clip_len) for _ in range(num_clips)
    ]).astype(np.int64)


@TRANSFORMS.register_module()
class SampleSegmentFrames(BaseTransform):
    """Choose the frames of a clip by segment-based sampling.

    See :func:`segment_indices` for the rules (MMA-DFER: ``clip_len=16``;
    train: a random frame per segment; test: segment midpoints; short
    clips padded by repeating the last frame). ``num_clips=2`` with
    ``test_mode=True`` is the "2-clip" test protocol: two uniformly spread
    clips of one video, whose predictions the model averages.

    **Required Keys:** ``total_frames``.

    **Added Keys:** ``frame_inds`` (num_clips * clip_len,), ``clip_len``,
    ``num_clips``, ``frame_interval`` (None: segment-based).

    Args:
        clip_len (int): frames per clip. Defaults to 16.
        num_clips (int): clips per video. Defaults to 1.
        test_mode (bool): deterministic midpoints. Defaults to False.

    Example:
        >>> SampleSegmentFrames(4, test_mode=True)(
        ...     dict(total_frames=3))['frame_inds']
        array([0, 1, 2, 2])
    """

    def __init__(self,
                 clip_len: int = 16,
                 num_clips: int = 1,
                 test_mode: bool = False):
        if clip_len < 1 or num_clips < 1:
            raise ValueError(f'clip_len and num_clips must be >= 1, got '
                             f'{clip_len}, {num_clips}')
        self.clip_len = clip_len
        self.num_clips = num_clips
        self.test_mode = test_mode

    def transform(self, results: dict) -> dict:
        if 'total_frames' not in results:
            raise KeyError('SampleSegmentFrames needs "total_frames" (set by '
                           'the video datasets).')
        results['frame_inds'] = segment_indices(
            int(results['total_frames']), self.clip_len, self.test_mode,
            self.num_clips)
        results['clip_len'] = self.clip_len
        results['num_clips'] = self.num_clips
        results['frame_interval'] = None
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'num_clips={self.num_clips}, test_mode={self.test_mode})')


@TRANSFORMS.register_module()
class LoadFrames(BaseTransform):
    """Read the sampled frames of a clip folder as RGB uint8 images.

    Frames are the image files of ``frame_dir`` in natural (numeric) order,
    whatever their naming (``00001.jpg`` or ``0.jpg``), indexed by
    ``frame_inds``. Frames of one clip with different sizes (face crops of
    a detector) are resized to the first frame's size so that clip-level
    crops apply to all of them.

    **Required Keys:** ``frame_dir``, ``frame_inds``.

    **Added Keys:** ``imgs`` (list of (H, W, 3) uint8 RGB), ``img_shape``,
    ``ori_shape``, ``modality`` (``'RGB'``, read by ``mmaction.Flip``),
    ``num_frames`` (files in the folder).

    Args:
        order (str): frame order, ``'natural'`` (default) or
            ``'lexicographic'`` (bit-exact with the official loader's
            ``glob`` + ``sort``). See :func:`list_frames`.
    """

    def __init__(self, order: str = 'natural'):
        if order not in ('natural', 'lexicographic'):
            raise ValueError(f"order must be 'natural' or 'lexicographic', "
                             f'got {order!r}')
        self.order = order

    def transform(self, results: dict) -> dict:
        frame_dir = results['frame_dir']
        names = list_frames(frame_dir, self.order)
        inds = np.asarray(results['frame_inds'])
        if not names:
            raise FileNotFoundError(
                f'Frame folder {frame_dir} holds no frames '
                f'({"/".join(FRAME_EXTENSIONS)}). Re-extract this clip or '
                'remove it from the annotation file.')
        if inds.max() >= len(names):
            raise IndexError(
                f'Frame {int(inds.max())} of {frame_dir} requested but the '
                f'folder holds {len(names)} frames; the annotation\'s frame '
                'count is wrong or frames are missing. Re-extract the clip '
                'or fix its frame count.')
        cache = {}
        imgs = []
        for i in inds:
            i = int(i)
            if i not in cache:
                bgr = read_image_file(
                    osp.join(frame_dir, names[i]), cv2.IMREAD_COLOR)
                cache[i] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            imgs.append(cache[i].copy())  # copies: mmaction flips in place
        h, w = imgs[0].shape[:2]
        imgs = [
            img if img.shape[:2] == (h, w) else cv2.resize(
                img, (w, h), interpolation=cv2.INTER_LINEAR) for img in imgs
        ]
        results['imgs'] = imgs
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        results['modality'] = 'RGB'
        results['num_frames'] = len(names)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(order={self.order!r})'


@TRANSFORMS.register_module()
class FormatClip(BaseTransform):
    """Stack a frame list into the clip array ``PackFERInputs`` expects.

    ``imgs`` becomes (T, H, W, C) for one clip and (num_clips, T, H, W, C)
    when ``num_clips > 1`` (2-clip test mode), so that ``PackFERInputs``
    gives the model ``video`` of shape (T, C, H, W) or
    (num_clips, T, C, H, W). Contract with the model: a 5-D per-sample
    video (6-D batch) means "average the predictions (softmax) over the
    clip dimension".

    **Required Keys:** ``imgs`` (list or array), optionally ``num_clips``
    and ``clip_len``.

    **Modified Keys:** ``imgs`` (np.ndarray uint8), ``img_shape``.

    Example:
        >>> out = FormatClip()(dict(imgs=[np.zeros((8, 8, 3), np.uint8)] * 4,
        ...                         num_clips=2, clip_len=2))
        >>> out['imgs'].shape
        (2, 2, 8, 8, 3)
    """

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        if isinstance(imgs, (list, tuple)):
            shapes = {img.shape for img in imgs}
            if len(shapes) > 1:
                raise ValueError(
                    f'FormatClip: frames differ in shape {sorted(shapes)}; '
                    'put a Resize with keep_ratio=False before it.')
            imgs = np.stack(imgs)  # (num_clips * T, H, W, C)
        imgs = np.asarray(imgs)
        num_clips = int(results.get('num_clips', 1))
        if num_clips > 1:
            clip_len = int(results.get('clip_len', imgs.shape[0] // num_clips))
            if imgs.shape[0] != num_clips * clip_len:
                raise ValueError(
                    f'FormatClip: {imgs.shape[0]} frames cannot form '
                    f'{num_clips} clips of {clip_len}.')
            imgs = imgs.reshape(num_clips, clip_len,
                                *imgs.shape[1:])  # (nc, T, H, W, C)
        if imgs.dtype != np.uint8:
            imgs = np.clip(np.round(imgs), 0, 255).astype(np.uint8)
        results['imgs'] = np.ascontiguousarray(imgs)
        results['img_shape'] = imgs.shape[-3:-1]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
