"""Face detection and alignment as pipeline transforms (CM-CNN Sec. III-B).

CM-CNN (Ni et al., "Facial Expression Recognition Through Cross-Modality
Attention Fusion", IEEE TCDS 2023) detects the face with the Viola-Jones
detector, rectifies its rotation by the eye line (Eq. 1) and uses the same
region in every modality. :class:`DetectFace` runs a detector of the
``FACE_DETECTORS`` registry (:mod:`mmfer.datasets.face`) on the sample's
RGB (or gray) channels; :class:`AlignFace` warps every modality of
``results['img']`` (and a parsing map) with one matrix
(:class:`~mmfer.datasets.face.FaceAligner`).

No image passes uncropped without a flag: a missing face (or missing eyes)
is an error naming the file, a skipped sample (``None``, counted and
logged) or an explicit fallback flagged in the results (``face_found`` /
``face_rotated`` False). See ``docs/face.md``.
"""
import logging
from typing import Dict, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from mmfer.registry import FACE_DETECTORS, TRANSFORMS
from mmfer.structures.modalities import check_modalities, split_channels
from ..face import (BaseFaceDetector, FaceAligner, FaceNotFoundError,
                    border_value, warp)

ON_MISSING_EYES = ('error', 'skip', 'no_rotation')


def _source_file(results: Dict) -> str:
    return str(results.get('img_path', '<no img_path>'))


def _finite_or_none(points: np.ndarray) -> Optional[np.ndarray]:
    return points if np.all(np.isfinite(points)) else None


@TRANSFORMS.register_module()
class DetectFace(BaseTransform):
    """Detect the largest face (CM-CNN Sec. III-B1, Viola-Jones).

    The detector sees the ``source`` channels of ``results['img']``:
    ``'rgb'`` as (H, W, 3) RGB, ``'gray'`` as (H, W). When several faces
    are found the one with the largest box is kept. With no face:

    - ``on_missing='error'``: :class:`~mmfer.datasets.face.
      FaceNotFoundError` naming ``img_path`` and the fixes;
    - ``'skip'``: the transform returns None, which makes mmengine's
      ``BaseDataset`` draw another sample in training (at test time
      mmengine raises, so use 'error' or 'fallback' there). Skips are
      counted in :attr:`num_skipped` and each one is logged with the
      running count (counts are per dataloader worker process);
    - ``'fallback'``: ``fallback_box`` (``(x0, y0, x1, y1)`` pixels, a
      callable ``img -> box``, or, if None, ``'center'``: the centre square
      of side ``min(H, W) // 2``) is used, with ``face_found=False``, NaN
      score and no landmarks.

    **Required Keys:** ``img`` (H, W, C) uint8, ``modalities`` (with
    ``source``); ``img_path`` (optional, for messages).

    **Added Keys:** ``face_box`` (4,) float32 ``x0, y0, x1, y1`` image
    pixels, ``face_score`` (float; the detector's, NaN for a fallback),
    ``face_landmarks`` (5, 2) float32 in ``LANDMARK_NAMES`` order (NaN
    where the detector has no point, e.g. Haar's nose and mouth) or None if
    it has none, ``face_eyes`` (2, 2) float32 image-left / image-right eye
    centres or None unless both are known, ``face_found`` (bool).

    Args:
        detector (dict | BaseFaceDetector): a ``FACE_DETECTORS`` config or
            a built detector. Default: ``dict(type='HaarFaceDetector')``.
        margin (float): fraction of the box's longer side added on each
            side of ``face_box`` (the margin of
            :func:`~mmfer.datasets.face.square_box`, keeping the box's
            aspect). Usually 0 here, with the crop margin in
            :class:`AlignFace`. Default: 0.
        on_missing (str): ``'error'``, ``'skip'`` or ``'fallback'``.
            Default: ``'error'``.
        fallback_box (tuple | callable, optional): see above.
        source (str): ``'rgb'`` or ``'gray'``. Default: ``'rgb'``.
        use_dataset_box (bool): when the sample already holds a
            ``face_box`` from its annotation (AffectNet's ``face_x, ...``,
            ExpW's ``label.lst`` box), take that box instead of detecting
            (``face_found=True``, ``face_score`` NaN, no landmarks or eyes:
            :class:`AlignFace` then needs ``rotate=False`` or
            ``on_missing_eyes='no_rotation'``). Samples without one are
            detected as usual. Default: False.
        cache (bool): remember each image's detection (keyed by
            ``img_path`` and the image size) and reuse it when the sample
            comes again, e.g. in the next epoch: training pipelines then
            detect each face once. Only valid when DetectFace sees the
            image as loaded (before any random transform) and the files do
            not change during the run. The cache lives in each process
            (each dataloader worker; keep ``persistent_workers=True`` so it
            survives epochs). Default: False.

    Example:
        >>> t = DetectFace(on_missing='fallback')
        >>> out = t(dict(img=np.zeros((64, 64, 3), np.uint8),
        ...              modalities=('rgb', )))
        >>> out['face_found'], out['face_box'].tolist()
        (False, [16.0, 16.0, 48.0, 48.0])
    """

    def __init__(self,
                 detector: Union[dict, BaseFaceDetector] = dict(
                     type='HaarFaceDetector'),
                 margin: float = 0.0,
                 on_missing: str = 'error',
                 fallback_box=None,
                 source: str = 'rgb',
                 use_dataset_box: bool = False,
                 cache: bool = False):
        if not isinstance(detector, BaseFaceDetector):
            detector = FACE_DETECTORS.build(detector)
        if source not in ('rgb', 'gray'):
            raise ValueError(f"DetectFace: source must be 'rgb' or 'gray', "
                             f'got {source!r}')
        if margin < 0:
            raise ValueError(f'DetectFace: margin must be >= 0, got {margin}')
        if on_missing == 'fallback' and fallback_box is None:
            fallback_box = 'center'
        # validates the policy (same rules and messages as the detectors)
        self.on_missing, self.fallback_box = BaseFaceDetector.check_policy(
            on_missing, fallback_box)
        self.detector, self.margin, self.source = detector, margin, source
        self.use_dataset_box, self.cache = bool(use_dataset_box), bool(cache)
        self.num_skipped = 0
        self._cache: Dict[tuple, Optional[dict]] = {}

    def _image(self, results: Dict) -> np.ndarray:
        if 'img' not in results or 'modalities' not in results:
            raise KeyError('DetectFace needs "img" and "modalities" (added '
                           'by LoadFaceModalities); the sample has keys '
                           f'{sorted(results)}.')
        modalities = check_modalities(results['modalities'], 'DetectFace')
        groups = split_channels(results['img'], modalities, 'DetectFace')
        if self.source not in groups:
            raise ValueError(
                f'DetectFace(source={self.source!r}): '
                f'{_source_file(results)} has modalities {modalities}; '
                "load 'rgb' or set source='gray'.")
        img = groups[self.source]
        return np.ascontiguousarray(img[..., 0] if self.source == 'gray'
                                    else img)

    def transform(self, results: Dict) -> Optional[Dict]:
        if self.use_dataset_box and results.get('face_box') is not None:
            box = np.asarray(results['face_box'], np.float32).reshape(-1)
            if box.shape != (4, ) or not (box[2] > box[0]
                                          and box[3] > box[1]):
                raise ValueError(
                    f'DetectFace: {_source_file(results)} has face_box '
                    f'{results["face_box"]!r}; expected x0, y0, x1, y1 '
                    'with x1 > x0 and y1 > y0. Fix the annotation.')
            results.update(self._with_margin(dict(
                face_box=box, face_score=float('nan'), face_landmarks=None,
                face_eyes=None, face_found=True)))
            return results
        key = None
        if self.cache:
            key = (results.get('img_path'), tuple(results['img'].shape))
            if key in self._cache:
                found = self._cache[key]
                if found is None:
                    return self._skip(_source_file(results))
                results.update({k: (v.copy() if isinstance(v, np.ndarray)
                                    else v) for k, v in found.items()})
                return results
        found = self._detect(results)
        if key is not None and key[0] is not None:
            self._cache[key] = found
        if found is None:                                   # 'skip'
            return self._skip(_source_file(results))
        results.update({k: (v.copy() if isinstance(v, np.ndarray) else v)
                        for k, v in found.items()})
        return results

    def _skip(self, path: str) -> None:
        self.num_skipped += 1
        print_log(f'DetectFace: no face in {path} ({self.num_skipped} '
                  'skipped so far)', logger='current', level=logging.WARNING)
        return None

    def _with_margin(self, found: dict) -> dict:
        if self.margin:
            x0, y0, x1, y1 = found['face_box']
            pad = self.margin * max(x1 - x0, y1 - y0)
            found['face_box'] = np.array(
                [x0 - pad, y0 - pad, x1 + pad, y1 + pad], np.float32)
        return found

    def _detect(self, results: Dict) -> Optional[dict]:
        """The added keys of one detection, or None ('skip' policy)."""
        img = self._image(results)
        path = _source_file(results)
        try:
            face = self.detector.detect_largest(
                img, source=path, on_missing=self.on_missing,
                fallback_box=self.fallback_box)
        except FaceNotFoundError as err:
            raise FaceNotFoundError(
                f'DetectFace: {err} In a pipeline: '
                "DetectFace(on_missing='skip') or DetectFace("
                "on_missing='fallback', fallback_box=...).") from None
        if face is None:
            return None
        landmarks = face.landmarks[0]                              # (5, 2)
        return self._with_margin(dict(
            face_box=np.asarray(face.boxes[0], np.float32),
            face_score=float(face.scores[0]),
            face_landmarks=(landmarks if np.isfinite(landmarks).any()
                            else None),
            face_eyes=_finite_or_none(face.eyes[0]),
            face_found=not face.fallback))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(detector={self.detector!r}, '
                f'margin={self.margin}, on_missing={self.on_missing!r}, '
                f'fallback_box={self.fallback_box!r}, '
                f'source={self.source!r}, '
                f'use_dataset_box={self.use_dataset_box}, '
                f'cache={self.cache})')


@TRANSFORMS.register_module()
class AlignFace(BaseTransform):
    """Rotate, crop and resize every modality of the face with one matrix.

    CM-CNN Eq. (1): ``θ`` is the angle between the line through the two eye
    centres and the horizontal axis, ``θ = atan2(y_r - y_l, x_r - x_l)`` in
    image coordinates (y down; positive when the image-right eye is
    lower); the face is rotated by ``-θ`` about the eyes' midpoint so the
    eye line is level. The box (its centre carried by the rotation)
    becomes the square of side ``max(w, h) * (1 + 2 * margin)``, resized
    to ``size`` (CM-CNN resizes every facial image to 148 x 148). See
    :func:`~mmfer.datasets.face.alignment_matrix`.

    Each modality group of ``img`` (split by the modality table) is warped
    with that one matrix and its table interpolation: bilinear for rgb,
    gray, thermal, HOG, Gabor; nearest for depth, LBP and parsing, so they
    keep only input values. Pixels from outside the image get "nothing
    there" (:func:`~mmfer.datasets.face.border_value`): 0 for intensities,
    the background 0 for loaded uint8 depth (no depth is invented), the
    median border for thermal. ``gt_seg_map`` (parsing class ids) is warped
    with nearest and class 0 (background) outside.

    Without both eyes (a Haar miss, a fallback box) and ``rotate=True``:

    - ``on_missing_eyes='error'``: ValueError naming ``img_path`` and the
      fixes;
    - ``'skip'``: return None (counted in :attr:`num_skipped`, logged);
    - ``'no_rotation'``: the axis-aligned square crop (counted in
      :attr:`num_unrotated`, logged), ``face_rotated`` =
      False and ``face_angle`` = 0.

    ``face_box``, ``face_eyes`` and ``face_landmarks`` stay in the input
    image's coordinates; ``transform_points(points, face_matrix)``
    (:mod:`mmfer.datasets.face`) maps them into the aligned face.

    **Required Keys:** ``img`` (H, W, C), ``modalities``, ``face_box``;
    ``face_eyes`` when ``rotate``; ``gt_seg_map`` (optional);
    ``img_path`` (optional, for messages).

    **Modified Keys:** ``img`` (size, size, C), ``img_shape``,
    ``gt_seg_map`` (optional, (size, size)).

    **Added Keys:** ``face_angle`` (float, degrees of θ removed),
    ``face_matrix`` (2, 3) float64 image -> aligned-face affine matrix
    (continuous pixel coordinates), ``face_rotated`` (bool).

    Args:
        size (int): side of the aligned face. Default: 148.
        margin (float): fraction of the box's longer side added on each
            side. Default: 0.1.
        rotate (bool): level the eye line (Eq. 1). Default: True.
        on_missing_eyes (str): ``'error'``, ``'skip'`` or
            ``'no_rotation'``. Default: ``'error'``.

    Example:
        >>> t = AlignFace(size=16)
        >>> out = t(dict(img=np.zeros((32, 32, 4), np.uint8),
        ...              modalities=('rgb', 'depth'),
        ...              face_box=np.array([8, 8, 24, 24], np.float32),
        ...              face_eyes=np.array([[12, 12], [20, 14]], float)))
        >>> out['img'].shape, round(out['face_angle'], 2)
        ((16, 16, 4), 14.04)
    """

    def __init__(self, size: int = 148, margin: float = 0.1,
                 rotate: bool = True, on_missing_eyes: str = 'error'):
        if on_missing_eyes not in ON_MISSING_EYES:
            raise ValueError(f'AlignFace: on_missing_eyes must be one of '
                             f'{ON_MISSING_EYES}, got {on_missing_eyes!r}')
        self.aligner = FaceAligner(size, margin, rotate)
        self.size, self.margin, self.rotate = int(size), float(margin), \
            bool(rotate)
        self.on_missing_eyes = on_missing_eyes
        self.num_skipped = 0
        self.num_unrotated = 0

    def transform(self, results: Dict) -> Optional[Dict]:
        path = _source_file(results)
        missing = [k for k in ('img', 'modalities', 'face_box')
                   if k not in results]
        if missing:
            raise KeyError(f'AlignFace needs {missing} ({path}); put '
                           'LoadFaceModalities and DetectFace before it.')
        modalities = check_modalities(results['modalities'], 'AlignFace')
        groups = split_channels(results['img'], modalities, 'AlignFace')
        eyes = results.get('face_eyes')
        if eyes is not None:
            eyes = _finite_or_none(np.asarray(eyes, np.float64).reshape(2, 2))
        if self.rotate and eyes is None:
            if self.on_missing_eyes == 'error':
                raise ValueError(
                    f'AlignFace: no eye centres for {path} (face_found='
                    f"{results.get('face_found')}), so θ of Eq. (1) is "
                    "unknown. Fix: on_missing_eyes='no_rotation' (axis-"
                    "aligned crop, flagged face_rotated=False), 'skip', or "
                    "a detector that gives eyes (MTCNNFaceDetector).")
            if self.on_missing_eyes == 'skip':
                self.num_skipped += 1
                print_log(f'AlignFace: no eyes in {path} '
                          f'({self.num_skipped} skipped so far)',
                          logger='current', level=logging.WARNING)
                return None
            # 'no_rotation': the axis-aligned crop, counted and logged
            self.num_unrotated += 1
            print_log(f'AlignFace: no eyes in {path}, axis-aligned crop '
                      f'({self.num_unrotated} so far)', logger='current',
                      level=logging.WARNING)
        box = np.asarray(results['face_box'], np.float64).reshape(4)
        M, theta = self.aligner.matrix(box, eyes if self.rotate else None)
        # one matrix for every modality (CM-CNN: the same facial region)
        roi, M_roi = self._source_region(M, groups[modalities[0]].shape[:2])
        out = [warp(g[roi], M_roi, self.size, m, border_value(m, g))
               for m, g in groups.items()]
        results['img'] = np.concatenate(
            [o[..., None] if o.ndim == 2 else o for o in out], axis=2)
        results['img_shape'] = (self.size, self.size)
        seg = results.get('gt_seg_map')
        if seg is not None:
            if seg.shape[:2] != groups[modalities[0]].shape[:2]:
                raise ValueError(
                    f'AlignFace: gt_seg_map {seg.shape[:2]} and img '
                    f'{groups[modalities[0]].shape[:2]} differ in size '
                    f'({path}); load the map pixel-aligned with the image.')
            results['gt_seg_map'] = warp(seg, M, self.size, 'parsing')
        results['face_angle'] = float(theta)
        results['face_matrix'] = M
        results['face_rotated'] = bool(self.rotate and eyes is not None)
        return results

    def _source_region(self, M: np.ndarray, shape) -> tuple:
        """The image region the aligned face is sampled from, and ``M`` for
        that region: warping the region gives the full image's warp
        without copying a whole (e.g. 640 x 480) frame per modality."""
        A, t = M[:, :2], M[:, 2]
        corners = np.array([[0, 0], [self.size, 0], [0, self.size],
                            [self.size, self.size]], np.float64)
        src = (corners - t) @ np.linalg.inv(A).T            # (4, 2) x, y
        h, w = shape
        x0, y0 = np.clip(np.floor(src.min(0)).astype(int) - 2, 0, [w, h])
        x1, y1 = np.clip(np.ceil(src.max(0)).astype(int) + 2, 0, [w, h])
        if x1 <= x0 or y1 <= y0:             # the face is outside the image
            return (slice(None), slice(None)), M
        # u = A (p_roi + (x0, y0)) + t
        return (slice(y0, y1), slice(x0, x1)), np.column_stack(
            [A, t + A @ np.array([x0, y0], np.float64)])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, '
                f'margin={self.margin}, rotate={self.rotate}, '
                f'on_missing_eyes={self.on_missing_eyes!r})')
