"""OpenCV Viola-Jones (Haar cascade) face detector with eye cascade.

P. Viola and M. Jones, "Rapid object detection using a boosted cascade of
simple features", CVPR 2001 -- the detector CM-CNN uses (Sec. III-A1, ref.
[65]). The cascades ship inside opencv-python 4.x (``cv2.data.haarcascades``);
nothing is downloaded.
"""
import os.path as osp
from typing import Optional, Tuple, Union

import cv2
import numpy as np

from mmfer.registry import FACE_DETECTORS

from .base_detector import BaseFaceDetector, FallbackBox, ImageLike
from .detections import FaceDetections

#: Heights (fractions of the face box, from its top) of the eye search
#: region, tried in turn until the eye cascade finds an eye whose centre
#: lies in the box's upper half.
EYE_SEARCH_HEIGHTS = (0.5, 0.6, 0.7)
#: Haar settings of the AU preprocessing tools (face_crop.py,
#: disfa_extract_frames.py) on lab frames holding one face: finer pyramid,
#: histogram equalisation, small frames upscaled to a 240 px short side,
#: faces at least a fifth of the short side.
HAAR_LAB_FRAMES = dict(scale_factor=1.05, min_neighbors=4, min_size=0.2,
                       upscale_to=240, equalize=True)
#: Haar settings for real-time video frames (e.g. 640 x 480, one face of at
#: least ~80 px): the face cascade on a 320 px wide copy with a coarser
#: pyramid, the eye cascade on the full-resolution face box with a coarser
#: pyramid too (timings in docs/face.md).
HAAR_VIDEO_FRAMES = dict(detect_width=320, scale_factor=1.2, min_size=40,
                         eye_scale_factor=1.2)


def haar_cascade_dir() -> str:
    """``cv2.data.haarcascades`` ('' if this OpenCV build has none)."""
    return getattr(getattr(cv2, 'data', None), 'haarcascades', '') or ''


def load_haar_cascade(name: str) -> 'cv2.CascadeClassifier':
    """A cascade by file name (in ``cv2.data.haarcascades``) or path.

    Raises:
        FileNotFoundError: the cascade is missing or unreadable, with the fix
            (opencv 5.x wheels ship no cascade files: pin opencv < 5).
    """
    path = name if osp.isfile(name) else osp.join(haar_cascade_dir(), name)
    casc = cv2.CascadeClassifier(path) if osp.isfile(path) else None
    if casc is None or casc.empty():
        raise FileNotFoundError(
            f'Cannot load the Haar cascade {path} (OpenCV '
            f'{cv2.__version__}). opencv-python 5.x wheels ship no cascade '
            'files: pin every cv2 distribution (opencv-python, '
            'opencv-python-headless, opencv-contrib-python) to <5, as in '
            'requirements/runtime.txt, or pass the path of a cascade xml.')
    return casc


@FACE_DETECTORS.register_module()
class HaarFaceDetector(BaseFaceDetector):
    """Viola-Jones face detector; eyes from the eye cascade.

    Faces come from the frontal-face cascade on the (optionally histogram
    equalised) gray image. Eyes: the eye cascade runs separately on the
    left and the right half of the face box, first over the box's upper
    half, then (if nothing is found) over the top 60 % and 70 %
    (:data:`EYE_SEARCH_HEIGHTS`; a window centred on an eye low in the
    upper half does not fit inside it); an eye is the window with the most
    merged raw windows (then the largest) whose centre lies in the upper
    half. The left half gives the image-left eye. An eye
    the cascade misses is NaN; nose and mouth corners are always NaN (the
    cascades give no such points; :class:`~.alignment.FaceAligner` needs
    only the eyes).

    Scores are OpenCV's ``numDetections`` (how many raw windows were merged
    into the box by ``detectMultiScale2``): a vote count, larger is surer,
    not a probability.

    Args:
        scale_factor (float): pyramid step of ``detectMultiScale``.
            Default: 1.1.
        min_neighbors (int): raw windows a face needs. Default: 5.
        min_size (int | float): smallest face side; an int is pixels, a
            float in (0, 1) a fraction of the image's shorter side (after
            upscaling). Default: 20 (pixels).
        upscale_to (int): upscale images whose shorter side is below this
            before detection (the cascade's window is 24 px; it misses faces
            that fill a tiny image); boxes are mapped back. 0: never.
            Default: 0.
        detect_width (int): downscale (``INTER_AREA``) images wider than
            this before detection, face and eye cascades alike, and map
            boxes back: the speed option for video frames (see the
            timings in ``docs/face.md``). Only the face cascade runs on the
            small copy; the eye cascade searches the face box in the
            full-resolution image (eyes of a face 100 px wide are below
            the eye cascade's 20 px window). An int ``min_size`` counts
            pixels of the image the face cascade runs on. 0: never.
            Default: 0.
        equalize (bool): histogram-equalise the gray image. Default: False.
        find_eyes (bool): run the eye cascade. Default: True.
        eye_min_neighbors (int): ``min_neighbors`` of the eye cascade; the
            best-voted window per side is kept, so a low value only adds
            candidates. Default: 1.
        eye_scale_factor (float): pyramid step of the eye cascade; 1.2
            roughly halves the eye search time. Default: 1.1.
        face_cascade (str): cascade file name or path. Default:
            ``'haarcascade_frontalface_default.xml'``.
        eye_cascade (str): Default: ``'haarcascade_eye.xml'``.
        on_missing (str): no-face policy, see :class:`BaseFaceDetector`.
        fallback_box: see :class:`BaseFaceDetector`.

    Example:
        >>> det = HaarFaceDetector()
        >>> len(det.detect(np.zeros((64, 64), np.uint8)))
        0
    """

    def __init__(self,
                 scale_factor: float = 1.1,
                 min_neighbors: int = 5,
                 min_size: Union[int, float] = 20,
                 upscale_to: int = 0,
                 detect_width: int = 0,
                 equalize: bool = False,
                 find_eyes: bool = True,
                 eye_min_neighbors: int = 1,
                 eye_scale_factor: float = 1.1,
                 face_cascade: str = 'haarcascade_frontalface_default.xml',
                 eye_cascade: str = 'haarcascade_eye.xml',
                 on_missing: str = 'error',
                 fallback_box: Optional[FallbackBox] = None):
        super().__init__(on_missing, fallback_box)
        if isinstance(min_size, float) and not 0 < min_size < 1:
            raise ValueError('min_size: an int (pixels) or a float in (0, 1) '
                             f'(fraction of the shorter side), got {min_size}')
        self.scale_factor, self.min_neighbors = scale_factor, min_neighbors
        if int(detect_width) < 0 or (upscale_to and detect_width):
            raise ValueError(
                'detect_width (downscale wide images) must be >= 0 and '
                'cannot be combined with upscale_to (upscale small ones); '
                f'got detect_width={detect_width}, upscale_to={upscale_to}')
        self.min_size, self.upscale_to = min_size, int(upscale_to)
        self.detect_width = int(detect_width)
        self.equalize, self.find_eyes = equalize, find_eyes
        self.eye_min_neighbors = eye_min_neighbors
        self.eye_scale_factor = float(eye_scale_factor)
        self.face_cascade = load_haar_cascade(face_cascade)
        self.eye_cascade = load_haar_cascade(eye_cascade) if find_eyes \
            else None

    def _gray(self, img: np.ndarray
              ) -> Tuple[np.ndarray, float, np.ndarray, float]:
        """The face cascade's gray image and its scale, and the eye
        cascade's (the full-resolution gray when ``detect_width``
        downscaled the face cascade's)."""
        gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        full, scale = gray, 1.0
        if self.upscale_to and min(gray.shape) < self.upscale_to:
            scale = self.upscale_to / min(gray.shape)
            gray = cv2.resize(gray, None, fx=scale, fy=scale,
                              interpolation=cv2.INTER_LINEAR)
        elif self.detect_width and gray.shape[1] > self.detect_width:
            scale = self.detect_width / gray.shape[1]
            size = (self.detect_width, max(1, round(gray.shape[0] * scale)))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        if self.equalize:
            gray = cv2.equalizeHist(gray)
        if scale >= 1:
            return gray, scale, gray, scale
        if self.find_eyes and self.equalize:
            full = cv2.equalizeHist(full)
        return gray, scale, full, 1.0

    def _min_side(self, gray: np.ndarray) -> int:
        if isinstance(self.min_size, float):
            return max(1, int(min(gray.shape) * self.min_size))
        return int(self.min_size)

    def _eyes(self, gray: np.ndarray, box: np.ndarray) -> np.ndarray:
        """(2, 2) image-left / image-right eye centres in ``gray``'s px."""
        eyes = np.full((2, 2), np.nan, np.float32)
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        w, h = x1 - x0, y1 - y0
        cx = x0 + w // 2
        for side, (a, b) in enumerate(((x0, cx), (cx, x1))):
            for frac in EYE_SEARCH_HEIGHTS:
                roi = gray[max(y0, 0):y0 + int(h * frac), max(a, 0):b]
                if min(roi.shape) < max(1, w // 10):
                    break
                rects, votes = self.eye_cascade.detectMultiScale2(
                    roi, scaleFactor=self.eye_scale_factor,
                    minNeighbors=self.eye_min_neighbors,
                    minSize=(max(1, w // 10), ) * 2, maxSize=(w // 2, ) * 2)
                cand = [((int(n), int(rw * rh)), (x + rw / 2.0, y + rh / 2.0))
                        for (x, y, rw, rh), n in zip(rects, np.ravel(votes))
                        if max(y0, 0) + y + rh / 2.0 < y0 + h / 2.0]
                if cand:                    # most votes, then largest
                    ex, ey = max(cand)[1]
                    eyes[side] = (max(a, 0) + ex, max(y0, 0) + ey)
                    break
        return eyes

    def detect(self, img: ImageLike) -> FaceDetections:
        """Every face, largest first (see the class docstring)."""
        img = self._as_image(img)
        gray, scale, eye_gray, eye_scale = self._gray(img)
        side = self._min_side(gray)
        rects, votes = self.face_cascade.detectMultiScale2(
            gray, scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors, minSize=(side, side))
        if len(rects) == 0:
            return FaceDetections.empty()
        rects = np.asarray(rects, np.float32).reshape(-1, 4)
        boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]],
                               1)                                # (N, 4)
        landmarks = np.full((len(boxes), 5, 2), np.nan, np.float32)
        if self.find_eyes:
            for i, b in enumerate(boxes):
                landmarks[i, :2] = self._eyes(eye_gray,
                                              b / scale * eye_scale)
        order = np.argsort(-(rects[:, 2] * rects[:, 3]), kind='stable')
        return FaceDetections(boxes[order] / scale,
                              np.ravel(votes).astype(np.float32)[order],
                              landmarks[order] / eye_scale)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factor={self.scale_factor}, '
                f'min_neighbors={self.min_neighbors}, '
                f'min_size={self.min_size}, upscale_to={self.upscale_to}, '
                f'detect_width={self.detect_width}, '
                f'eye_scale_factor={self.eye_scale_factor}, '
                f'equalize={self.equalize}, find_eyes={self.find_eyes}, '
                f'on_missing={self.on_missing!r})')
