"""The result of a face detector: boxes, scores and five landmarks."""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

#: Order of the 5 landmarks of :class:`FaceDetections` (MTCNN's order).
#: "left"/"right" are **image** left/right (the subject's right eye is the
#: image-left eye), as in SynthFace's ``LANDMARK_NAMES`` and MTCNN.
LANDMARK_NAMES = ('left_eye', 'right_eye', 'nose', 'mouth_left',
                  'mouth_right')


@dataclass
class FaceDetections:
    """Faces found in one image, in image pixel coordinates.

    Coordinates are continuous with pixel ``i`` covering ``[i, i + 1)``, so
    the box ``(x0, y0, x1, y1)`` of a crop ``img[y0:y1, x0:x1]`` is its
    integer bounds.

    Args:
        boxes (np.ndarray): (N, 4) float32 ``x0, y0, x1, y1``.
        scores (np.ndarray): (N,) float32 detector confidence (meaning per
            detector, see its docstring; NaN for a fallback box).
        landmarks (np.ndarray, optional): (N, 5, 2) float32 ``(x, y)`` in
            :data:`LANDMARK_NAMES` order; NaN where the detector gives no
            point (Haar: nose and mouth always, an eye its cascade missed).
            Default: all NaN.
        fallback (bool): True if the box is the no-face fallback box, not
            a detection.

    Example:
        >>> det = FaceDetections(np.array([[0, 0, 10, 10], [0, 0, 20, 30]]),
        ...                      np.array([0.9, 0.8]))
        >>> len(det), det.largest().boxes.tolist(), det.landmarks.shape
        (2, [[0.0, 0.0, 20.0, 30.0]], (2, 5, 2))
    """
    boxes: np.ndarray
    scores: np.ndarray
    landmarks: Optional[np.ndarray] = None
    fallback: bool = False

    def __post_init__(self):
        self.boxes = np.asarray(self.boxes, np.float32).reshape(-1, 4)
        n = len(self.boxes)
        self.scores = np.asarray(self.scores, np.float32).reshape(-1)
        if self.landmarks is None:
            self.landmarks = np.full((n, 5, 2), np.nan, np.float32)
        self.landmarks = np.asarray(self.landmarks, np.float32)
        if self.scores.shape != (n, ) or self.landmarks.shape != (n, 5, 2):
            raise ValueError(
                f'FaceDetections needs boxes (N, 4), scores (N,) and '
                f'landmarks (N, 5, 2); got {self.boxes.shape}, '
                f'{self.scores.shape}, {self.landmarks.shape}')

    @classmethod
    def empty(cls) -> 'FaceDetections':
        return cls(np.zeros((0, 4)), np.zeros(0))

    def __len__(self) -> int:
        return len(self.boxes)

    @property
    def areas(self) -> np.ndarray:
        """(N,) box areas in square pixels."""
        b = self.boxes
        return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])

    def select(self, index: Sequence[int]) -> 'FaceDetections':
        """The detections at ``index`` (a list of ints), same order."""
        index = list(index)
        return FaceDetections(self.boxes[index], self.scores[index],
                              self.landmarks[index], self.fallback)

    def largest(self) -> 'FaceDetections':
        """The one detection with the largest box area (empty if none)."""
        if len(self) == 0:
            return self
        return self.select([int(np.argmax(self.areas))])

    @property
    def eyes(self) -> np.ndarray:
        """(N, 2, 2) image-left and image-right eye centres ``(x, y)``."""
        return self.landmarks[:, :2]
