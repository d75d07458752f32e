"""FERInferencer: faces, expressions and AUs of images, folders and videos.

In the style of mmpretrain's inferencers (``ImageClassificationInferencer``):
build once from a config and a checkpoint, call on inputs::

    inferencer = FERInferencer(CONFIG, CHECKPOINT, detector='mtcnn')
    results = inferencer('photo.jpg')            # list of per-face dicts
    for r in inferencer.iter_results('talk.mp4', fps=5):  # streaming
        ...

Every result is one face of one image or video frame
(:data:`RESULT_KEYS`, see :func:`empty_result`). A frame without a face
gives one result with ``success=False`` (nothing is dropped). See
``docs/inference.md``.
"""
import logging
import os
import os.path as osp
import sys
import time
from collections import deque
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.logging import print_log

from mmfer.datasets.face import FaceDetections
from mmfer.datasets.transforms.video import FRAME_EXTENSIONS
from .face_preprocessing import FacePreprocessor
from .face_tracking import FaceTracker
from .inference import init_model
from .video_stream import (VIDEO_EXTENSIONS, AudioTrack, VideoFrameStream,
                           VideoWriter)

#: The keys of every result dict, in this order.
RESULT_KEYS = ('source', 'frame', 'timestamp', 'face_id', 'success', 'box',
               'score', 'landmarks', 'expression_probs', 'expression',
               'au_probs', 'has_audio')
#: Image file extensions read from folders.
IMAGE_EXTENSIONS = FRAME_EXTENSIONS + ('.tif', '.tiff', '.webp')
#: Per-stage timing keys of :attr:`FERInferencer.stage_times`.
STAGES = ('decode', 'detect', 'align', 'model')

InputType = Union[str, np.ndarray, dict]


def empty_result(source: str, frame: Optional[int] = None,
                 timestamp: Optional[float] = None,
                 has_audio: Optional[bool] = None) -> dict:
    """The result of an image or frame without a face.

    Keys (:data:`RESULT_KEYS`): ``source`` (path, or ``'<array>'``),
    ``frame`` (int video frame index, None for images), ``timestamp``
    (float seconds, None for images), ``face_id`` (int, 0 = the largest
    face), ``success`` (bool: a face was found and predicted), ``box``
    ([x0, y0, x1, y1] float image pixels or None), ``score`` (the
    detector's score or None), ``landmarks`` (5 [x, y] in
    ``LANDMARK_NAMES`` order, NaN where the detector has no point, or
    None), ``expression_probs`` (dict class name -> probability or None),
    ``expression`` (top class or None), ``au_probs`` (dict AU name ->
    probability or None), ``has_audio`` (audio-visual models: True when the
    video's own sound track was used, False for the zero-audio path; None
    for models without audio).
    """
    return dict(source=source, frame=frame, timestamp=timestamp, face_id=0,
                success=False, box=None, score=None, landmarks=None,
                expression_probs=None, expression=None, au_probs=None,
                has_audio=has_audio)


def _float_or_none(v) -> Optional[float]:
    v = float(v)
    return v if np.isfinite(v) else None


class _Entry:
    """One image / frame waiting for its predictions."""
    __slots__ = ('source', 'frame', 'timestamp', 'faces', 'preds', 'pending',
                 'sealed', 'has_audio', 'rgb', 'video')

    def __init__(self, source, frame, timestamp, faces, has_audio, rgb,
                 video=None):
        self.source, self.frame, self.timestamp = source, frame, timestamp
        self.faces = faces                         # FaceDetections
        self.preds = [[] for _ in range(len(faces))]
        self.pending, self.sealed = 0, False
        self.has_audio, self.rgb, self.video = has_audio, rgb, video


class FERInferencer:
    """Detect faces and predict expressions / AUs with an mmfer model.

    Inputs (:meth:`__call__`, :meth:`iter_results`): an image path, a
    folder (its images and videos, sorted by name; unreadable files are
    skipped, counted and logged), a video file (decoded as a stream), an
    (H, W, 3) uint8 **RGB** or (H, W) gray array, a dict of modalities for
    multimodal models (``dict(rgb='a.png', depth='a_depth.png')``; each a
    path decoded as the dataset does, or an array in the loaded form:
    (H, W, 3) RGB, (H, W) uint8 depth / thermal), or a list of these.

    Faces are detected (``detector``) and cropped as the config's test
    pipeline (``DetectFace`` / ``AlignFace``) or the dataset's
    ``inference_face`` says (:class:`~.face_preprocessing.
    FacePreprocessor`), then the rest of the test pipeline and the model
    run on each face. Image models predict every face (``face_id`` 0 the
    largest; ``max_faces`` limits them). Clip models (MMA-DFER) predict
    sliding windows of ``window`` face crops of the largest face
    (``stride`` apart) with the window's audio from the video's own track
    (PyAV); each frame gets the mean of the windows covering it; a video
    without a sound track takes the zero-audio path (all-zero fbank, as
    ``LoadAudioFbank`` for clips without audio) and ``has_audio=False``.

    Args:
        config (str | Config): the model's config.
        checkpoint (str, optional): ``.pth`` or ``.onnx``.
        device (str, optional): default CUDA if available, else CPU.
        detector (str | dict | BaseFaceDetector | None): ``'auto'``
            (default: the config's detector), ``'mtcnn'``, ``'haar'``, a
            ``FACE_DETECTORS`` config, a detector, or None (inputs are
            face crops framed as the training data; no detection).
        detect_every (int): run the detector every k-th video frame and
            track faces in between (:class:`~.face_tracking.FaceTracker`).
            Default: 1 (every frame).
        max_faces (int, optional): the largest faces kept per frame.
        detect_width (int): detect on a copy scaled to this width (0: full
            resolution); see :class:`~.face_tracking.FaceTracker`.
        window (int, optional): frames per clip of a clip model (default:
            the config's ``clip_len``).
        stride (int, optional): frames between clip starts, 1 <= stride
            <= window (default: ``window // 2``).
        model (nn.Module, optional): an already built model (then
            ``config`` / ``checkpoint`` are not read).
        cfg_options (dict, optional): config overrides.

    Attributes:
        stage_times (dict): seconds spent in ``decode`` (reading images,
            decoding video), ``detect`` (detection and tracking),
            ``align`` (crop / alignment and the rest of the test
            pipeline), ``model`` (collate + ``test_step``), accumulated
            over calls.
        num_frames (int): images and selected video frames processed.
        num_skipped (int): unreadable files a folder run skipped;
            ``skipped``: their ``(path, message)``; ``summary``: the last
            folder run's logged summary.
    """

    def __init__(self, config=None, checkpoint: Optional[str] = None,
                 device: Optional[str] = None, detector='auto',
                 detect_every: int = 1, max_faces: Optional[int] = None,
                 detect_width: int = 0,
                 window: Optional[int] = None, stride: Optional[int] = None,
                 model=None, cfg_options: Optional[dict] = None):
        self.model = model if model is not None else init_model(
            config, checkpoint, device=device, cfg_options=cfg_options)
        self.cfg = self.model.cfg
        self.prep = FacePreprocessor(self.cfg, detector=detector)
        self.detector = self.prep.detector
        self.tracker = (FaceTracker(self.detector, detect_every,
                                    max_faces=1 if self.is_clip_model
                                    else max_faces,
                                    detect_width=detect_width)
                        if self.detector is not None else None)
        self.window = int(window or self.prep.clip_len)
        self.stride = int(stride or max(self.window // 2, 1))
        if self.is_clip_model and not 1 <= self.stride <= self.window:
            raise ValueError(f'stride must be in [1, window={self.window}], '
                             f'got {self.stride}')
        meta = dict(getattr(self.model, 'dataset_meta', {}) or {})
        self.class_names = list(meta.get('classes') or [])
        self.au_names = list(meta.get('au_names') or [])
        self.stage_times = {k: 0.0 for k in STAGES}
        self.num_frames = 0
        self.num_skipped = 0
        self.skipped: List[tuple] = []
        self.summary: Optional[str] = None
        self._draw = None

    # ----------------------------------------------------------- properties
    @property
    def is_clip_model(self) -> bool:
        return self.prep.kind == 'clip'

    @property
    def uses_audio(self) -> bool:
        return self.prep.kind == 'clip' and self.prep.needs_audio

    def output_names(self) -> Dict[str, List[str]]:
        """What the model predicts: ``dict(expression=[class names],
        au=[AU names])`` (an empty list for what it does not predict),
        found by one prediction on a blank input (so a CSV can name its
        columns before the first face)."""
        if getattr(self, '_output_names', None) is None:
            side = 64
            faces = FaceDetections(
                [[8, 8, 56, 56]], [1.0],
                [[[22, 26], [42, 26], [32, 36], [24, 46], [40, 46]]])
            if self.is_clip_model:
                crop = self.prep.crop_frame(
                    np.zeros((side, side, 3), np.uint8),
                    faces if self.detector is not None else None, '<probe>')
                sample = self.prep.clip_sample([crop] * self.window,
                                               '<probe>')
            else:
                results = self._load_modalities({
                    m: np.zeros((side, side, 3) if m == 'rgb' else
                                (side, side), np.uint8)
                    for m in self.prep.modalities})
                results['img_path'] = '<probe>'
                sample = self.prep.face_sample(
                    results, faces if self.detector is not None else None)
            with torch.inference_mode():
                pred = self.model.test_step(pseudo_collate([sample]))[0]
            names = dict(expression=[], au=[])
            if 'pred_score' in pred:
                names['expression'] = self._names(
                    self.class_names, len(pred.pred_score), 'class_')
            if 'pred_au_score' in pred:
                names['au'] = self._names(self.au_names,
                                          len(pred.pred_au_score), 'AU_')
            self._output_names = names
        return self._output_names

    # ----------------------------------------------------------------- API
    def __call__(self, inputs: Union[InputType, Sequence[InputType]],
                 batch_size: int = 1, show: bool = False,
                 out_dir: Optional[str] = None, every: int = 1,
                 fps: Optional[float] = None,
                 progress: bool = False) -> List[dict]:
        """All results of ``inputs`` as a list (see :meth:`iter_results`
        for the arguments; use that for long videos)."""
        return list(self.iter_results(inputs, batch_size, show, out_dir,
                                      every, fps, progress))

    def iter_results(self, inputs: Union[InputType, Sequence[InputType]],
                     batch_size: int = 1, show: bool = False,
                     out_dir: Optional[str] = None, every: int = 1,
                     fps: Optional[float] = None,
                     progress: bool = False) -> Iterator[dict]:
        """Yield the results of ``inputs`` one face at a time, in input and
        frame order (memory stays flat however long a video is).

        Args:
            inputs: see the class docstring.
            batch_size (int): faces (clips) per model call. The results do
                not depend on it.
            show (bool): display annotated frames (OpenCV window).
            out_dir (str, optional): write annotated images
                (``<stem>.png``) and videos (``<stem>.mp4``) there.
            every (int): keep every N-th video frame.
            fps (float, optional): keep ``fps`` video frames per second
                instead of ``every``.
            progress (bool): a progress bar with ETA on stderr.
        """
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self._batch_size, self._show, self._out_dir = batch_size, show, \
            out_dir
        self._every, self._fps = every, fps
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
        items = self._expand(inputs)
        bar = None
        if progress:
            from mmengine.utils import ProgressBar
            total = self._progress_total(items)
            bar = ProgressBar(total, file=sys.stderr)
        self._bar = bar
        self._bar_frames = len(items) == 1 and self._is_video(items[0][0])
        self._skipped_here = []
        for item, from_folder in items:
            try:
                yield from self._run_item(item)
            except (FileNotFoundError, ValueError) as err:
                if not from_folder:
                    raise
                self.num_skipped += 1
                self._skipped_here.append(item)
                self.skipped.append((item, str(err)))
                print_log(f'FERInferencer: skipped {item}: {err}',
                          logger='current', level=logging.WARNING)
            if bar is not None and not self._bar_frames:
                bar.update()
        if bar is not None:
            sys.stderr.write('\n')
        folders = [i for i in self._as_list(inputs)
                   if isinstance(i, str) and osp.isdir(i)]
        if folders:
            n = sum(1 for _, f in items if f)
            self.summary = (
                f'FERInferencer: {folders}: {n - len(self._skipped_here)} of '
                f'{n} files read, {len(self._skipped_here)} unreadable '
                f'skipped {self._skipped_here[:5]}'
                + (' ...' if len(self._skipped_here) > 5 else ''))
            print_log(self.summary, logger='current',
                      level=logging.WARNING if self._skipped_here
                      else logging.INFO)

    # --------------------------------------------------------------- inputs
    @staticmethod
    def _as_list(inputs) -> list:
        if isinstance(inputs, (list, tuple)):
            return list(inputs)
        return [inputs]

    @staticmethod
    def _is_video(item) -> bool:
        return isinstance(item, str) and item.lower().endswith(
            VIDEO_EXTENSIONS)

    def _expand(self, inputs) -> List[tuple]:
        """(item, from_folder) pairs; folders become their media files."""
        out = []
        for item in self._as_list(inputs):
            if isinstance(item, str):
                if osp.isdir(item):
                    names = sorted(n for n in os.listdir(item)
                                   if n.lower().endswith(IMAGE_EXTENSIONS +
                                                         VIDEO_EXTENSIONS))
                    out += [(osp.join(item, n), True) for n in names]
                    continue
                if not osp.exists(item):
                    raise FileNotFoundError(
                        f'Input {item} does not exist; give an image, a '
                        'video, or a folder of them.')
            elif not isinstance(item, (np.ndarray, dict)):
                raise TypeError(
                    'FERInferencer inputs are paths, RGB arrays or dicts of '
                    f'modalities, got {type(item).__name__}')
            out.append((item, False))
        return out

    def _progress_total(self, items) -> int:
        if len(items) == 1 and self._is_video(items[0][0]):
            try:
                return VideoFrameStream(items[0][0], self._every,
                                        self._fps).expected_selected
            except ValueError:
                return 0
        return len(items)

    # ------------------------------------------------------------ the runs
    def _run_item(self, item) -> Iterator[dict]:
        if self._is_video(item):
            yield from self._run_video(item)
        else:
            yield from self._run_image(item)

    def _load_image(self, item) -> tuple:
        """(results with img / modalities, source name, rgb for display)."""
        t0 = time.perf_counter()
        source = item if isinstance(item, str) else '<array>'
        if isinstance(item, dict):
            results = self._load_modalities(item)
            source = next((v for v in item.values() if isinstance(v, str)),
                          '<array>')
        elif isinstance(item, str):
            if self.prep.modalities not in (('rgb', ), ('gray', )):
                raise ValueError(
                    f'{item}: the model loads {self.prep.modalities}; give '
                    'every modality, e.g. inputs=dict(rgb=' + repr(item) +
                    ', depth=...).')
            results = self.prep.load(dict(img_path=item))
        else:
            results = self._load_modalities(dict(rgb=item))
        results.setdefault('img_path', source)
        self.stage_times['decode'] += time.perf_counter() - t0
        return results, source

    def _load_modalities(self, item: dict) -> dict:
        from mmfer.structures.modalities import channel_names
        item = dict(item)
        want = self.prep.modalities
        if 'rgb' in item and 'gray' in want and 'gray' not in item:
            item['gray'] = item.pop('rgb')
        arrays = []
        for m in want:
            if m not in item:
                wanted = ', '.join(f'{k}=...' for k in want)
                raise ValueError(
                    f'the model loads {want} but the input has '
                    f'{sorted(item)}; give dict({wanted}).')
            value = item[m]
            if isinstance(value, str):
                arr = self.prep.load_modality(m, value)
            else:
                arr = self._array(np.asarray(value), m)
            if arrays and arr.shape[:2] != arrays[0].shape[:2]:
                raise ValueError(f'the modalities of one input differ in '
                                 f'size: {want[0]} {arrays[0].shape[:2]}, '
                                 f'{m} {arr.shape[:2]}')
            arrays.append(arr)
        img = np.concatenate(arrays, axis=2)
        return dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2],
                    modalities=want, channel_names=tuple(channel_names(want)))

    @staticmethod
    def _array(arr: np.ndarray, modality: str) -> np.ndarray:
        if arr.dtype != np.uint8:
            raise ValueError(f'{modality} arrays must be uint8 (as loaded '
                             f'from files), got {arr.dtype}')
        if modality == 'rgb':
            if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 1):
                arr = np.repeat(arr.reshape(arr.shape[:2] + (1, )), 3, 2)
            if arr.ndim != 3 or arr.shape[2] != 3:
                raise ValueError(f'an rgb array must be (H, W, 3) RGB or '
                                 f'(H, W) gray, got {arr.shape}')
            return arr
        if modality == 'gray' and arr.ndim == 3 and arr.shape[2] == 3:
            return cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)[..., None]
        if arr.ndim == 2:
            return arr[..., None]
        if arr.ndim != 3 or arr.shape[2] != 1:
            raise ValueError(f'a {modality} array must be (H, W), got '
                             f'{arr.shape}')
        return arr

    def _image_faces(self, results) -> FaceDetections:
        """Detections of one still image (no tracking)."""
        t0 = time.perf_counter()
        faces = self.tracker.detect(self.prep.detection_image(results))
        self.stage_times['detect'] += time.perf_counter() - t0
        return faces

    def _whole(self, shape) -> FaceDetections:
        h, w = shape[:2]
        return FaceDetections([[0, 0, w, h]], [np.nan])

    def _run_image(self, item) -> Iterator[dict]:
        results, source = self._load_image(item)
        self.num_frames += 1
        display = self._frame_rgb(results) if self._visualising else None
        if self.is_clip_model:
            yield from self._run_clip_frames(
                [(None, None, None, self._frame_rgb(results))], source,
                audio=None, image=True)
            return
        faces = (self._image_faces(results) if self.tracker is not None
                 else None)
        entry = _Entry(source, None, None, faces if faces is not None
                       else self._whole(results['img'].shape), None, display)
        jobs = []
        t0 = time.perf_counter()
        if faces is None:
            jobs.append((self.prep.face_sample(results, None), [(entry, 0)]))
        else:
            for k in range(len(faces)):
                jobs.append((self.prep.face_sample(results, faces.select([k])),
                             [(entry, k)]))
        self.stage_times['align'] += time.perf_counter() - t0
        entry.pending = len(jobs)
        entry.sealed = True
        self._predict_batches(jobs, final=True)
        yield from self._finish(entry)

    def _frame_rgb(self, results) -> np.ndarray:
        groups = results['img']
        if 'rgb' in results['modalities']:
            from mmfer.structures.modalities import split_channels
            return np.ascontiguousarray(split_channels(
                groups, results['modalities'], 'FERInferencer')['rgb'])
        img = self.prep.detection_image(results)
        return np.repeat(img[..., None], 3, 2) if img.ndim == 2 else img

    @property
    def _visualising(self) -> bool:
        return bool(self._show or self._out_dir)

    # -------------------------------------------------------------- videos
    def _run_video(self, path: str) -> Iterator[dict]:
        stream = VideoFrameStream(path, self._every, self._fps)
        if self.is_clip_model:
            audio = AudioTrack(path) if self.uses_audio else None
            if audio is not None and not audio.available:
                print_log(f'{path} has no audio track: the audio-visual '
                          'model gets the zero-audio path (all-zero fbank, '
                          'has_audio=False).', logger='current',
                          level=logging.WARNING)
            try:
                yield from self._run_clip_frames(
                    self._timed_frames(stream), path, audio=audio,
                    video_fps=stream.fps, size=(stream.width, stream.height))
            finally:
                if audio is not None:
                    audio.close()
            return
        writer = self._writer(path, stream)
        queue: deque = deque()
        jobs: list = []
        if self.tracker is not None:
            self.tracker.reset()
        try:
            for frame in self._timed_frames(stream):
                t0 = time.perf_counter()
                faces = (self.tracker(frame.rgb) if self.tracker is not None
                         else self._whole(frame.rgb.shape))
                self.stage_times['detect'] += time.perf_counter() - t0
                entry = _Entry(path, frame.index, frame.timestamp, faces,
                               None, frame.rgb if writer or self._show
                               else None, video=writer)
                t0 = time.perf_counter()
                results = dict(img=frame.rgb, img_shape=frame.rgb.shape[:2],
                               ori_shape=frame.rgb.shape[:2],
                               modalities=('rgb', ), channel_names=tuple(
                                   'RGB'), img_path=path)
                results = self._as_model_modalities(results, path)
                for k in range(len(faces)):
                    sample = self.prep.face_sample(
                        results, faces.select([k])
                        if self.tracker is not None else None)
                    jobs.append((sample, [(entry, k)]))
                    entry.pending += 1
                self.stage_times['align'] += time.perf_counter() - t0
                entry.sealed = True
                queue.append(entry)
                self._predict_batches(jobs)
                yield from self._drain(queue)
            self._predict_batches(jobs, final=True)
            yield from self._drain(queue)
        finally:
            if writer is not None:
                writer.close()

    def _as_model_modalities(self, results, path) -> dict:
        want = self.prep.modalities
        if want == ('rgb', ):
            return results
        if want == ('gray', ):
            gray = cv2.cvtColor(results['img'], cv2.COLOR_RGB2GRAY)[..., None]
            return dict(results, img=gray, modalities=('gray', ),
                        channel_names=('Y', ))
        raise ValueError(f'{path}: the model loads {want}; video input gives '
                         'rgb frames only (give the other modalities as '
                         'images: inputs=dict(rgb=..., depth=...)).')

    def _timed_frames(self, stream) -> Iterator:
        it = iter(stream)
        while True:
            t0 = time.perf_counter()
            try:
                frame = next(it)
            except StopIteration:
                self.stage_times['decode'] += time.perf_counter() - t0
                return
            self.stage_times['decode'] += time.perf_counter() - t0
            self.num_frames += 1
            if self._bar is not None and self._bar_frames:
                self._bar.update()
            yield frame

    def _writer(self, path, stream) -> Optional[VideoWriter]:
        if not self._out_dir:
            return None
        stem = osp.splitext(osp.basename(path))[0]
        return VideoWriter(osp.join(self._out_dir, stem + '.mp4'),
                           self._output_fps(stream.fps),
                           (stream.width, stream.height))

    def _output_fps(self, fps: float) -> float:
        """Frame rate of an annotated video of the selected frames."""
        fps = fps or 25.0
        return min(self._fps, fps) if self._fps else fps / self._every

    # --------------------------------------------------------------- clips
    def _run_clip_frames(self, frames: Iterable, source: str, audio=None,
                         image: bool = False, video_fps: float = 0.0,
                         size=None) -> Iterator[dict]:
        """Sliding windows of the largest face's crops (clip models)."""
        T, stride = self.window, self.stride
        has_audio = None
        if self.uses_audio:
            has_audio = bool(audio is not None and audio.available)
        writer = None
        if not image and self._out_dir and size is not None:
            stem = osp.splitext(osp.basename(source))[0]
            writer = VideoWriter(osp.join(self._out_dir, stem + '.mp4'),
                                 self._output_fps(video_fps), size)
        queue: deque = deque()
        crops: deque = deque(maxlen=T)       # (entry, crop, timestamp)
        open_entries: deque = deque()        # face frames not yet sealed
        jobs: list = []
        n = 0                                # face frames so far
        next_start = 0                       # start of the next window
        if self.tracker is not None:
            self.tracker.reset()
        dt = 1.0 / video_fps if video_fps else 0.0

        def window(targets=None):
            members = list(crops)
            imgs = [c for _, c, _ in members]
            imgs += [imgs[-1]] * (T - len(imgs))     # edge padding
            wave, rate = None, 0
            if has_audio:
                t0, t1 = members[0][2], members[-1][2] + dt
                wave, rate = audio.segment(t0, t1), audio.sample_rate
                if wave.shape[-1] == 0:
                    wave = None
            tic = time.perf_counter()
            sample = self.prep.clip_sample(imgs, source, wave, rate)
            self.stage_times['align'] += time.perf_counter() - tic
            if targets is None:
                targets = [(e, 0) for e, _, _ in members]
            for e, _ in targets:
                e.pending += 1
            jobs.append((sample, targets))

        try:
            for item in frames:
                if isinstance(item, tuple):
                    index, timestamp, _, rgb = item
                else:
                    index, timestamp, rgb = item.index, item.timestamp, \
                        item.rgb
                tic = time.perf_counter()
                faces = (self.tracker(rgb) if self.tracker is not None
                         else self._whole(rgb.shape))
                self.stage_times['detect'] += time.perf_counter() - tic
                entry = _Entry(source, index, timestamp, faces, has_audio,
                               rgb if writer or self._show or image else None,
                               video=writer)
                queue.append(entry)
                if not len(faces):
                    entry.sealed = True
                else:
                    tic = time.perf_counter()
                    crop = self.prep.crop_frame(
                        rgb, faces if self.tracker is not None else None,
                        source)
                    self.stage_times['align'] += time.perf_counter() - tic
                    crops.append((entry, crop, timestamp or 0.0))
                    open_entries.append((n, entry))
                    n += 1
                    if n - next_start == T:          # window [n - T, n)
                        window()
                        next_start += stride
                        while open_entries and open_entries[0][0] < \
                                next_start:
                            open_entries.popleft()[1].sealed = True
                self._predict_batches(jobs)
                yield from self._drain(queue)
            if open_entries:
                # the tail after the last full window: the last `window`
                # crops, predicting for the frames no window covered
                window([(e, 0) for _, e in open_entries])
                for _, e in open_entries:
                    e.sealed = True
            self._predict_batches(jobs, final=True)
            yield from self._drain(queue)
        finally:
            if writer is not None:
                writer.close()

    # ------------------------------------------------------------ the model
    def _predict_batches(self, jobs: list, final: bool = False):
        """Run the model on every full batch of ``jobs`` (and, if
        ``final``, on the rest), removing them from the list."""
        while len(jobs) >= self._batch_size or (final and jobs):
            self._predict(jobs[:self._batch_size])
            del jobs[:self._batch_size]

    def _predict(self, jobs: list):
        """Run the model on a batch of (packed sample, targets)."""
        if not jobs:
            return
        t0 = time.perf_counter()
        data = pseudo_collate([s for s, _ in jobs])
        with torch.inference_mode():
            preds = self.model.test_step(data)
        self.stage_times['model'] += time.perf_counter() - t0
        for pred, (_, targets) in zip(preds, jobs):
            expr = au = None
            if 'pred_score' in pred:
                expr = pred.pred_score.detach().float().cpu().numpy()
            if 'pred_au_score' in pred:
                au = pred.pred_au_score.detach().float().cpu().numpy()
            for entry, k in targets:
                entry.preds[k].append((expr, au))
                entry.pending -= 1

    def _names(self, names: list, n: int, prefix: str) -> list:
        if len(names) == n:
            return [str(x) for x in names]
        return [f'{prefix}{i}' for i in range(n)]

    def _rows(self, entry: _Entry) -> List[dict]:
        if not len(entry.faces):
            return [empty_result(entry.source, entry.frame, entry.timestamp,
                                 entry.has_audio)]
        rows = []
        for k in range(len(entry.faces)):
            row = empty_result(entry.source, entry.frame, entry.timestamp,
                               entry.has_audio)
            row['face_id'] = k
            row['box'] = [float(v) for v in entry.faces.boxes[k]]
            row['score'] = _float_or_none(entry.faces.scores[k])
            lms = entry.faces.landmarks[k]
            if np.isfinite(lms).any():
                row['landmarks'] = [[float(x), float(y)] for x, y in lms]
            preds = entry.preds[k]
            exprs = [e for e, _ in preds if e is not None]
            aus = [a for _, a in preds if a is not None]
            if exprs:
                probs = np.mean(exprs, axis=0)
                names = self._names(self.class_names, len(probs), 'class_')
                row['expression_probs'] = {n: float(p)
                                           for n, p in zip(names, probs)}
                row['expression'] = names[int(np.argmax(probs))]
            if aus:
                probs = np.mean(aus, axis=0)
                names = self._names(self.au_names, len(probs), 'AU_')
                row['au_probs'] = {n: float(p) for n, p in zip(names, probs)}
            row['success'] = bool(preds)
            rows.append(row)
        return rows

    def _finish(self, entry: _Entry) -> List[dict]:
        rows = self._rows(entry)
        if entry.rgb is not None and self._visualising:
            self._visualise(entry, rows)
        return rows

    def _drain(self, queue: deque) -> Iterator[dict]:
        while queue and queue[0].sealed and queue[0].pending == 0:
            yield from self._finish(queue.popleft())

    # -------------------------------------------------------- visualisation
    def draw(self, rgb: np.ndarray, rows: List[dict]) -> np.ndarray:
        """Annotate one frame with its results
        (:func:`mmfer.visualization.draw_face_predictions`)."""
        if self._draw is None:
            from mmfer.visualization import draw_face_predictions
            self._draw = draw_face_predictions
        return self._draw(rgb, rows, class_names=self.class_names or None,
                          au_names=self.au_names or None)

    def _visualise(self, entry: _Entry, rows: List[dict]):
        img = self.draw(entry.rgb, rows)
        if entry.video is not None:
            entry.video.write(img)
        elif self._out_dir and entry.frame is None:
            stem = (osp.splitext(osp.basename(entry.source))[0]
                    if entry.source != '<array>' else
                    f'array_{self.num_frames:06d}')
            cv2.imwrite(osp.join(self._out_dir, stem + '.png'),
                        cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        if self._show:
            cv2.imshow('mmfer', cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
            cv2.waitKey(1)
