"""The face preprocessing of a model's test pipeline, applied to raw images.

Training and inference must crop faces the same way. A config's test
pipeline says how, in one of two ways:

1. it has ``DetectFace`` (+ ``AlignFace``): the model was trained on
   detected, aligned faces (CM-CNN, EMPD's ``detect_test_pipeline``). At
   inference the same ``DetectFace`` / ``AlignFace`` steps run, with the
   detections of the inferencer's detector (by default the config's own
   detector);
2. it loads pre-cropped faces (``LoadFaceModalities`` then resizing or
   nothing: quickstart, MCM, MMA-DFER, ...). The dataset base config then
   declares how its faces are framed with one top-level key,
   ``inference_face`` (:data:`INFERENCE_FACE_DEFAULTS` gives the defaults
   of missing fields)::

       inference_face = dict(
           detector=dict(type='MTCNNFaceDetector'),  # FACE_DETECTORS config
           margin=0.27,   # fraction of the box's longer side added per side
           size=64,       # side of the square crop the pipeline gets
           rotate=False)  # True: level the eye line (AlignFace, Eq. 1)

   and the inferencer inserts detection + that crop right after the loading
   step (``rotate=False``: :func:`~mmfer.datasets.face.square_box` +
   :func:`~mmfer.datasets.face.crop_resize`, the axis-aligned crop of the
   preprocessing tools, area-averaged when shrinking; ``rotate=True``:
   ``AlignFace``).

The rest of the test pipeline (resizing, gray / LBP, ``PackFERInputs``)
runs unchanged on the crop.
"""
import copy
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose

from mmfer.datasets.face import (BaseFaceDetector, FaceDetections,
                                 FaceNotFoundError, crop_resize, square_box)
from mmfer.registry import FACE_DETECTORS, TRANSFORMS
from mmfer.structures.modalities import split_channels

#: Fields of a config's ``inference_face`` that it leaves out.
INFERENCE_FACE_DEFAULTS = dict(
    detector=dict(type='MTCNNFaceDetector'), margin=0.1, size=None,
    rotate=False)
#: Short detector names of :class:`~mmfer.apis.FERInferencer`.
DETECTOR_NAMES = dict(mtcnn=dict(type='MTCNNFaceDetector'),
                      haar=dict(type='HaarFaceDetector'))
#: Pipeline steps that load a clip (the video path of the inferencer).
CLIP_LOADERS = ('SampleSegmentFrames', 'LoadFrames')


def _type(step) -> str:
    name = step['type'] if isinstance(step, dict) else type(step).__name__
    return name.split('.')[-1]


def build_detector(detector: Union[str, dict, BaseFaceDetector]
                   ) -> BaseFaceDetector:
    """A face detector from ``'mtcnn'`` / ``'haar'``, a ``FACE_DETECTORS``
    config or a built detector."""
    if isinstance(detector, BaseFaceDetector):
        return detector
    if isinstance(detector, str):
        if detector not in DETECTOR_NAMES:
            raise ValueError(
                "detector must be 'auto', 'mtcnn', 'haar', None, a "
                f'FACE_DETECTORS config or a detector; got {detector!r}')
        detector = DETECTOR_NAMES[detector]
    return FACE_DETECTORS.build(copy.deepcopy(detector))


class GivenFaceDetector(BaseFaceDetector):
    """A "detector" returning the face it is given (:attr:`face`), so the
    config's own ``DetectFace`` step can run on the inferencer's
    detections (its margin, landmark and eye handling unchanged)."""

    def __init__(self):
        super().__init__()
        self.face: Optional[FaceDetections] = None

    def detect(self, img) -> FaceDetections:
        return self.face if self.face is not None else FaceDetections.empty()


class CropFace(BaseTransform):
    """Axis-aligned square face crop of every modality (``inference_face``
    with ``rotate=False``).

    The box is :func:`~mmfer.datasets.face.square_box` of ``face_box``
    with ``margin``, rounded to integers and cropped (padded outside the
    image) and resized to ``size`` with the modality table's interpolation
    (:func:`~mmfer.datasets.face.crop_resize`: area when shrinking) -- the
    crop of ``tools/dataset_converters/face_crop.py``.

    **Required Keys:** ``img`` (H, W, C), ``modalities``, ``face_box``.

    **Modified Keys:** ``img`` (size, size, C), ``img_shape``.

    **Added Keys:** ``face_matrix`` (2, 3) image -> crop affine matrix.

    Args:
        size (int, optional): output side; None keeps the crop's own side.
        margin (float): fraction of the box's longer side added per side.
    """

    def __init__(self, size: Optional[int] = None, margin: float = 0.1):
        self.size = None if size is None else int(size)
        self.margin = float(margin)

    def transform(self, results: Dict) -> Dict:
        box = square_box(results['face_box'], self.margin, integer=True)
        side = max(box[2] - box[0], 1)
        size = self.size or side
        groups = split_channels(results['img'], results['modalities'],
                                'CropFace')
        out = [crop_resize(g, box, size, m) for m, g in groups.items()]
        results['img'] = np.concatenate(
            [o[..., None] if o.ndim == 2 else o for o in out], axis=2)
        results['img_shape'] = (size, size)
        s = size / side
        results['face_matrix'] = np.array(
            [[s, 0, -box[0] * s], [0, s, -box[1] * s]], np.float64)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, ' \
               f'margin={self.margin})'


class FacePreprocessor:
    """Split a config's test pipeline into load / detect / crop / rest.

    Args:
        cfg (Config): the model's config (``test_dataloader.dataset.
            pipeline`` and, for pipelines without ``DetectFace``, the
            top-level ``inference_face``).
        detector (str | dict | BaseFaceDetector | None): ``'auto'`` (the
            config's ``DetectFace`` detector, else ``inference_face``'s),
            ``'mtcnn'``, ``'haar'``, a ``FACE_DETECTORS`` config, a built
            detector, or None: inputs are face crops framed as the
            training data, passed to the test pipeline as they are.
        pipeline (list[dict], optional): use this test pipeline instead.

    Attributes:
        kind (str): ``'image'`` or ``'clip'`` (a clip model: frames +
            optional audio).
        modalities (tuple): what the loading step loads, e.g.
            ``('rgb', 'depth')``; ``('rgb', )`` for clips.
        detector (BaseFaceDetector | None): the detector.
        clip_len (int): frames per clip (clip models).
        needs_audio (bool): the pipeline computes an audio fbank.
    """

    def __init__(self, cfg, detector='auto',
                 pipeline: Optional[Sequence[dict]] = None):
        steps = copy.deepcopy(list(
            pipeline if pipeline is not None else
            cfg.test_dataloader.dataset.pipeline))
        self.cfg_name = getattr(cfg, 'filename', None) or '<config>'
        types = [_type(s) for s in steps]
        self.kind = 'clip' if any(t in CLIP_LOADERS for t in types) \
            else 'image'
        self.needs_audio = 'LoadAudioFbank' in types
        if self.kind == 'clip':
            self._init_clip(cfg, steps, types, detector)
        else:
            self._init_image(cfg, steps, types, detector)

    # ------------------------------------------------------------- building
    def _inference_face(self, cfg) -> dict:
        face = cfg.get('inference_face', None)
        if face is None:
            raise KeyError(
                f'{self.cfg_name}: the test pipeline loads pre-cropped faces '
                '(no DetectFace) and the config has no top-level '
                '"inference_face" saying how its training faces are framed. '
                'Add e.g. inference_face = dict(detector=dict(type='
                "'MTCNNFaceDetector'), margin=0.1, size=224, rotate=False) "
                'to its dataset base config (docs/inference.md), or pass '
                'detector=None for inputs that are already such crops.')
        unknown = set(face) - set(INFERENCE_FACE_DEFAULTS)
        if unknown:
            raise KeyError(f'{self.cfg_name}: inference_face has unknown keys '
                           f'{sorted(unknown)}; valid: '
                           f'{sorted(INFERENCE_FACE_DEFAULTS)}')
        return {**INFERENCE_FACE_DEFAULTS, **dict(face)}

    def _crop_transform(self, face: dict):
        """The crop ``inference_face`` asks for: eye-line alignment
        (``AlignFace``, ``rotate=True``) or an axis-aligned square
        (:class:`CropFace`)."""
        if not face['rotate']:
            return CropFace(size=face['size'], margin=face['margin'])
        if face['size'] is None:
            raise ValueError(f'{self.cfg_name}: inference_face with '
                             'rotate=True needs a size')
        from mmfer.datasets.transforms.face import AlignFace
        return AlignFace(size=face['size'], margin=face['margin'],
                         rotate=True, on_missing_eyes='no_rotation')

    def _resolve_detector(self, detector, default):
        if detector is None:
            return None
        return build_detector(default if detector == 'auto' else detector)

    def _init_image(self, cfg, steps, types, detector):
        if 'LoadFaceModalities' not in types:
            raise ValueError(
                f'{self.cfg_name}: the inferencer needs a test pipeline that '
                f'starts with LoadFaceModalities (or a clip pipeline); got '
                f'{types}.')
        i = types.index('LoadFaceModalities')
        self.loader_cfg = dict(steps[i])
        self.loader = TRANSFORMS.build(steps[i])
        self.modalities = tuple(self.loader.modalities)
        self.given = GivenFaceDetector()
        self.clip_len = 1
        if 'DetectFace' in types:
            d = types.index('DetectFace')
            detect_cfg = dict(steps[d])
            self.face_rule = dict(
                source='test pipeline', detect=dict(detect_cfg),
                align=dict(steps[types.index('AlignFace')])
                if 'AlignFace' in types else None)
            self.detector = self._resolve_detector(
                detector, detect_cfg.get('detector',
                                         dict(type='HaarFaceDetector')))
            detect_cfg.update(detector=self.given, on_missing='error',
                              fallback_box=None, use_dataset_box=False,
                              cache=False)
            detect_cfg.pop('type')
            self.source_modality = detect_cfg.get('source', 'rgb')
            from mmfer.datasets.transforms.face import DetectFace
            face_steps = [DetectFace(**detect_cfg)]
            rest = steps[i + 1:d] + steps[d + 1:]
            if self.detector is None and 'AlignFace' in types:
                # whole-image box, no eyes: an axis-aligned crop
                for s in rest:
                    if _type(s) == 'AlignFace':
                        s['on_missing_eyes'] = 'no_rotation'
        else:
            face = self._inference_face(cfg)
            self.face_rule = dict(source='inference_face', **face)
            self.detector = self._resolve_detector(detector,
                                                   face['detector'])
            self.source_modality = 'rgb' if 'rgb' in self.modalities \
                else 'gray'
            from mmfer.datasets.transforms.face import DetectFace
            face_steps = [DetectFace(detector=self.given,
                                     source=self.source_modality),
                          self._crop_transform(face)]
            rest = steps[i + 1:]
        self.face_pipeline = Compose(face_steps + rest)
        self.plain_pipeline = Compose(rest)    # detector=None: no crop

    def _init_clip(self, cfg, steps, types, detector):
        if 'DetectFace' in types:
            raise ValueError(f'{self.cfg_name}: DetectFace in a clip '
                             'pipeline is not supported by the inferencer')
        for t in CLIP_LOADERS:
            if t in types:
                j = types.index(t)
                if t == 'SampleSegmentFrames':
                    self.clip_len = int(steps[j].get('clip_len', 16))
        last = max(types.index(t) for t in CLIP_LOADERS if t in types)
        # LoadAudioFbank takes the window's in-memory waveform (or none:
        # the zero-audio path) from the results
        rest = list(steps[last + 1:])
        self.modalities = ('rgb', )
        self.source_modality = 'rgb'
        self.loader = None
        face = self._inference_face(cfg)
        self.face_rule = dict(source='inference_face', **face)
        self.detector = self._resolve_detector(detector, face['detector'])
        self.crop = self._crop_transform(face)
        self.given = GivenFaceDetector()
        self.clip_pipeline = Compose(rest)

    # ------------------------------------------------------------ applying
    def load(self, sample: Dict) -> Dict:
        """Run the config's loading step on a dict of paths (``img_path``,
        ``depth_path``, ...): ``img`` (H, W, C) and ``modalities``."""
        return self.loader(dict(sample))

    def load_modality(self, modality: str, path: str) -> np.ndarray:
        """One modality's file decoded as the config's loading step
        decodes it (its codecs and checks): (H, W, C) uint8."""
        from mmfer.structures.modalities import path_key
        loader = TRANSFORMS.build(dict(self.loader_cfg,
                                       modalities=(modality, )))
        return loader({path_key(modality): path})['img']

    def detection_image(self, results: Dict) -> np.ndarray:
        """The channels the detector sees: (H, W, 3) RGB or (H, W) gray."""
        groups = split_channels(results['img'], results['modalities'],
                                'FERInferencer')
        img = groups[self.source_modality]
        return np.ascontiguousarray(img[..., 0] if img.shape[-1] == 1
                                    else img)

    def face_sample(self, results: Dict,
                    face: Optional[FaceDetections]) -> Dict:
        """The packed sample (``inputs``, ``data_samples``) of one face of
        a loaded image (``face`` a one-face detection), or of the whole
        image with ``face=None`` (no detector: a pre-cropped face)."""
        results = dict(results)
        # seeded test-time transforms (MCM's ChannelMixing) draw by
        # sample_idx: every face gets the draw of sample 0, so a face's
        # prediction does not depend on what ran before it
        results.setdefault('sample_idx', 0)
        if face is None:
            if self.face_rule['source'] == 'inference_face':
                return self.plain_pipeline(results)
            h, w = results['img'].shape[:2]       # the whole image is the
            face = FaceDetections([[0, 0, w, h]], [np.nan])   # face box
        self.given.face = face
        try:
            return self.face_pipeline(results)
        finally:
            self.given.face = None

    def crop_frame(self, rgb: np.ndarray, face: Optional[FaceDetections],
                   path: str) -> np.ndarray:
        """One frame's face crop for a clip model, (S, S, 3) RGB."""
        if face is None:
            return rgb
        from mmfer.datasets.transforms.face import DetectFace
        results = dict(img=rgb, modalities=('rgb', ), img_path=path)
        self.given.face = face
        try:
            results = DetectFace(detector=self.given)(results)
        finally:
            self.given.face = None
        return self.crop(results)['img']

    def clip_sample(self, crops: List[np.ndarray], path: str,
                    waveform: Optional[np.ndarray] = None,
                    sample_rate: int = 0) -> Dict:
        """The packed sample of a window of ``clip_len`` face crops (and
        the window's audio, or None: the zero-audio path)."""
        h, w = crops[0].shape[:2]
        crops = [c if c.shape[:2] == (h, w) else
                 crop_resize(c, (0, 0, c.shape[1], c.shape[0]), h, 'rgb')
                 for c in crops]
        T = len(crops)
        results = dict(
            imgs=[c.copy() for c in crops], img_shape=(h, w),
            ori_shape=(h, w), modality='RGB', num_frames=T,
            total_frames=T, frame_inds=np.arange(T), clip_len=T,
            num_clips=1, frame_interval=None, img_path=path, sample_idx=0,
            audio_path=None, has_audio=waveform is not None,
            waveform=waveform, sample_rate=sample_rate)
        return self.clip_pipeline(results)


def not_found_message(source: str, detector) -> str:
    """The message of :class:`FaceNotFoundError` for ``inference_model``."""
    return (f'{type(detector).__name__} found no face in {source}. The '
            'model expects a face framed as in its training data: give an '
            'image showing a frontal face, lower the detector\'s min size for '
            'small faces, or pass detector=None if the image already is '
            'such a face crop.')


__all__ = ['FacePreprocessor', 'CropFace',
           'GivenFaceDetector', 'build_detector', 'INFERENCE_FACE_DEFAULTS',
           'DETECTOR_NAMES', 'FaceNotFoundError', 'not_found_message']
