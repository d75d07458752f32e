"""One interface for every face detector, with an explicit no-face policy."""
from abc import ABCMeta, abstractmethod
from typing import Callable, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from .boxes import center_box
from .detections import FaceDetections

ON_MISSING = ('error', 'skip', 'fallback')
ImageLike = Union[str, np.ndarray]
FallbackBox = Union[str, Sequence[float],
                    Callable[[np.ndarray], Sequence[float]]]


class FaceNotFoundError(RuntimeError):
    """No face in an image and the policy is ``on_missing='error'``."""


def read_rgb(path: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB image of ``path`` (error naming the file)."""
    data = np.fromfile(path, np.uint8) if isinstance(path, str) else None
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None and \
        data.size else None
    if img is None:
        raise FileNotFoundError(f'cannot read the image {path} (missing, '
                                'empty or not an image OpenCV decodes)')
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


class BaseFaceDetector(metaclass=ABCMeta):
    """Base of the face detectors (registry ``FACE_DETECTORS``).

    Subclasses implement :meth:`detect` (every face of an image). Callers
    that want one face use :meth:`detect_largest`, which applies the
    no-face policy:

    - ``'error'``: raise :class:`FaceNotFoundError` naming the image (its
      path, or the ``source`` the caller passes) and the fix;
    - ``'skip'``: return None; the caller drops the image. Every call is
      counted in :attr:`counts` (``found`` / ``skipped`` / ``fallback``), so
      the caller can log how many were dropped;
    - ``'fallback'``: return ``fallback_box`` as a one-face
      :class:`FaceDetections` with ``fallback=True``, score NaN and NaN
      landmarks. ``fallback_box`` is ``(x0, y0, x1, y1)`` pixels,
      ``'center'`` (:func:`~.boxes.center_box`: the centre square of side
      ``min(H, W) // 2``, MMA-DFER's fallback) or a callable
      ``img -> box``.

    Args:
        on_missing (str): default policy, one of ``'error'``, ``'skip'``,
            ``'fallback'``. Default: ``'error'``.
        fallback_box: see above; required when ``on_missing='fallback'``.
    """

    def __init__(self, on_missing: str = 'error',
                 fallback_box: Optional[FallbackBox] = None):
        self.on_missing, self.fallback_box = self.check_policy(
            on_missing, fallback_box)
        self.counts = dict(found=0, skipped=0, fallback=0)

    @staticmethod
    def check_policy(on_missing: str, fallback_box: Optional[FallbackBox]
                     ) -> Tuple[str, Optional[FallbackBox]]:
        """Validate a no-face policy; returns ``(on_missing, fallback_box)``
        (also used by the ``DetectFace`` transform)."""
        if on_missing not in ON_MISSING:
            raise ValueError(f'on_missing must be one of {ON_MISSING}, got '
                             f'{on_missing!r}')
        if on_missing == 'fallback' and fallback_box is None:
            raise ValueError(
                "on_missing='fallback' needs fallback_box: (x0, y0, x1, y1) "
                "pixels, 'center' or a callable img -> box")
        if isinstance(fallback_box, str) and fallback_box != 'center':
            raise ValueError(f"fallback_box {fallback_box!r}: the only named "
                             "box is 'center'")
        return on_missing, fallback_box

    @abstractmethod
    def detect(self, img: ImageLike) -> FaceDetections:
        """Every face of one image.

        Args:
            img (str | np.ndarray): path, (H, W, 3) uint8 **RGB** or
                (H, W) uint8 gray.

        Returns:
            FaceDetections: N >= 0 faces, largest first.
        """

    def detect_largest(self, img: ImageLike, source: Optional[str] = None,
                       on_missing: Optional[str] = None,
                       fallback_box: Optional[FallbackBox] = None
                       ) -> Optional[FaceDetections]:
        """The largest face of ``img``, or the no-face policy's result.

        Args:
            img (str | np.ndarray): as :meth:`detect`.
            source (str, optional): name of the image in error messages
                (default: ``img`` if it is a path, else ``'<array>'``).
            on_missing, fallback_box: override the detector's policy for
                this call.

        Returns:
            FaceDetections | None: one face, or None (``'skip'``).
        """
        if on_missing is None and fallback_box is None:
            policy, fallback = self.on_missing, self.fallback_box
        else:
            policy, fallback = self.check_policy(
                on_missing or self.on_missing,
                fallback_box if fallback_box is not None else
                self.fallback_box)
        if isinstance(img, str):
            source = source or img
            img = read_rgb(img)
        dets = self.detect(img)
        if len(dets):
            self.counts['found'] += 1
            return dets.largest()
        if policy == 'skip':
            self.counts['skipped'] += 1
            return None
        if policy == 'fallback':
            self.counts['fallback'] += 1
            return FaceDetections(self._fallback(img, fallback), [np.nan],
                                  fallback=True)
        raise FaceNotFoundError(
            f'{type(self).__name__} found no face in '
            f"{source or '<array>'}. Fix: check that the image shows a "
            'frontal face (lower the detector\'s min size / thresholds for '
            "small faces), or choose a policy: on_missing='skip' drops the "
            "image (counted), on_missing='fallback' with fallback_box="
            "(x0, y0, x1, y1) or 'center' uses a fixed box.")

    @staticmethod
    def _fallback(img: np.ndarray, fallback: FallbackBox
                  ) -> Tuple[float, float, float, float]:
        if isinstance(fallback, str):
            return center_box(img.shape[:2])
        box = fallback(img) if callable(fallback) else fallback
        box = tuple(float(v) for v in box)
        if len(box) != 4 or not (box[2] > box[0] and box[3] > box[1]):
            raise ValueError(f'fallback_box must be (x0, y0, x1, y1) with '
                             f'x1 > x0, y1 > y0; got {box}')
        return box

    @staticmethod
    def _as_image(img: ImageLike) -> np.ndarray:
        """Path or array -> uint8 (H, W, 3) RGB or (H, W) gray array."""
        if isinstance(img, str):
            return read_rgb(img)
        img = np.asarray(img)
        if img.dtype != np.uint8 or img.ndim not in (2, 3) or (
                img.ndim == 3 and img.shape[2] != 3):
            raise ValueError(
                'face detectors take uint8 (H, W, 3) RGB or (H, W) gray '
                f'images; got {img.dtype} {img.shape}')
        return img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(on_missing={self.on_missing!r}, '
                f'fallback_box={self.fallback_box!r})')
