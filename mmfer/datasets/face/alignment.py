"""Face alignment: eye-line rotation, square crop with margin, resize.

CM-CNN (Ni et al., "Facial Expression Recognition Through Cross-Modality
Attention Fusion", IEEE TCDS 2023, Sec. III-A2) rectifies the detected face
by the rotation of Eq. (1),

    (x', y', 1) = [x, y, 1] [[cos θ, sin θ, 0], [-sin θ, cos θ, 0], [0, 0, 1]],

where θ is "the rotation angle between the line connecting two eye
centers and the horizontal axis". Here θ is measured in image coordinates
(x right, y down) from the image-left to the image-right eye,
``θ = atan2(y_r - y_l, x_r - x_l)`` (positive when the image-right eye is
lower), and the face is rotated by -θ about the eyes' midpoint so the eye
line becomes horizontal (the paper leaves the sign to the reader).

Then the detector's box (its centre carried along by the rotation) is made
square with the margin of :mod:`.boxes` (side ``max(w, h) * (1 + 2 *
margin)``) and scaled to ``size``. One affine matrix does all three and is
applied to every modality of the face; depth and parsing are resampled
with nearest interpolation and the border outside the image gets the
"nothing there" value of :mod:`.resampling`.

Coordinates are continuous (pixel ``i`` covers ``[i, i + 1)``), as the
detector boxes; the returned matrix maps image points to aligned-face
points in those coordinates (:func:`transform_points`).
"""
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from .boxes import square_box
from .detections import FaceDetections
from .resampling import border_value, interpolation


def eye_angle(left_eye: Sequence[float], right_eye: Sequence[float]) -> float:
    """θ of CM-CNN Eq. (1) in degrees: the eye line's angle to horizontal.

    Args:
        left_eye, right_eye: ``(x, y)`` of the image-left and image-right
            eye centres.

    Returns:
        float: ``atan2(y_r - y_l, x_r - x_l)`` in degrees, in (-180, 180];
        positive when the image-right eye is lower (y points down).

    Example:
        >>> round(eye_angle((10, 10), (20, 20)), 6)
        45.0
    """
    dx = float(right_eye[0]) - float(left_eye[0])
    dy = float(right_eye[1]) - float(left_eye[1])
    return float(np.degrees(np.arctan2(dy, dx)))


def alignment_matrix(box: Sequence[float],
                     eyes: Optional[np.ndarray] = None,
                     size: int = 112,
                     margin: float = 0.0,
                     rotate: bool = True) -> Tuple[np.ndarray, float]:
    """Affine matrix from image to aligned-face coordinates.

    Args:
        box (sequence): face box ``(x0, y0, x1, y1)``.
        eyes (np.ndarray, optional): (2, 2) image-left, image-right eye
            centres. Without both eyes (None or NaN) nothing is rotated.
        size (int): side of the aligned face. Default: 112.
        margin (float): fraction of the box's longer side added on each
            side (:func:`~.boxes.square_box`). Default: 0.
        rotate (bool): level the eye line (Eq. 1). Default: True.

    Returns:
        tuple: ``M`` (2, 3) float64 with ``[u, v] = M @ [x, y, 1]`` and the
        rotation ``θ`` in degrees that was removed (0 if not rotated).
    """
    x0, y0, x1, y1 = square_box(box, margin)
    side = x1 - x0
    if not side > 0:
        raise ValueError(f'empty face box {tuple(box)}')
    centre = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    theta = 0.0
    R = np.eye(2)
    pivot = centre
    if rotate and eyes is not None and np.all(np.isfinite(eyes)):
        eyes = np.asarray(eyes, np.float64).reshape(2, 2)
        theta = eye_angle(eyes[0], eyes[1])
        pivot = eyes.mean(0)
        c, s = np.cos(np.radians(theta)), np.sin(np.radians(theta))
        # Eq. (1) with -θ: rotates the eye direction (cos θ, sin θ) to (1, 0)
        R = np.array([[c, s], [-s, c]])
    k = size / side                                  # image px -> face px
    # u = k * (R (p - pivot) + pivot - centre) + size / 2
    A = k * R
    t = k * (pivot - R @ pivot - centre) + size / 2.0
    return np.column_stack([A, t]), theta


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map (..., 2) points ``(x, y)`` by a (2, 3) affine matrix."""
    pts = np.asarray(points, np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def warp(img: np.ndarray, matrix: np.ndarray, size: int, modality: str,
         border: Optional[float] = None) -> np.ndarray:
    """Resample one modality through an alignment matrix.

    Args:
        img (np.ndarray): (H, W) or (H, W, C) map.
        matrix (np.ndarray): (2, 3) from :func:`alignment_matrix`
            (continuous coordinates).
        size (int): output side.
        modality (str): name in the modality table (interpolation and
            border value, see :mod:`.resampling`).
        border (float, optional): override the border value.

    Returns:
        np.ndarray: (size, size[, C]), ``img``'s dtype.
    """
    flag = interpolation(modality)
    fill = border_value(modality, img) if border is None else border
    # OpenCV puts pixel centres at integers: shift by half a pixel.
    A, t = matrix[:, :2], matrix[:, 2]
    M = np.column_stack([A, t + A @ [0.5, 0.5] - 0.5])
    chans = [img] if img.ndim == 2 or img.shape[2] <= 4 else \
        [img[..., i] for i in range(img.shape[2])]
    out = [cv2.warpAffine(c, M, (size, size), flags=flag,
                          borderMode=cv2.BORDER_CONSTANT,
                          borderValue=(fill, ) * 4) for c in chans]
    out = out[0] if len(out) == 1 else np.stack(out, -1)
    if img.ndim == 3 and out.ndim == 2:           # cv2 drops a C=1 axis
        out = out[..., None]
    return out


@dataclass
class AlignedFace:
    """Result of :class:`FaceAligner`.

    Args:
        images (dict): modality -> (size, size[, C]) aligned map.
        matrix (np.ndarray): (2, 3) image -> aligned-face affine matrix.
        angle (float): θ (degrees) removed by the rotation, 0 if none.
    """
    images: Dict[str, np.ndarray]
    matrix: np.ndarray
    angle: float

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """Image points (..., 2) -> aligned-face points."""
        return transform_points(points, self.matrix)


class FaceAligner:
    """Align every modality of a face with one matrix (CM-CNN Eq. 1).

    Args:
        size (int): side of the aligned face. Default: 112.
        margin (float): fraction of the box's longer side added on each
            side. Default: 0.1.
        rotate (bool): level the eye line; False gives the axis-aligned
            square crop. Default: True.
        border_values (dict, optional): modality -> value outside the image,
            overriding :func:`~.resampling.border_value`.

    Example:
        >>> import numpy as np
        >>> lms = np.array([[[12, 12], [20, 14]] + [[0, 0]] * 3])
        >>> face = FaceDetections([[8, 8, 24, 24]], [1.0], lms)
        >>> out = FaceAligner(size=16, margin=0)(
        ...     dict(rgb=np.zeros((32, 32, 3), np.uint8),
        ...          parsing=np.ones((32, 32), np.uint8)), face)
        >>> out.images['rgb'].shape, round(out.angle, 2)
        ((16, 16, 3), 14.04)
    """

    def __init__(self, size: int = 112, margin: float = 0.1,
                 rotate: bool = True,
                 border_values: Optional[Mapping[str, float]] = None):
        if int(size) < 1:
            raise ValueError(f'size must be >= 1, got {size}')
        if margin < 0:
            raise ValueError(f'margin must be >= 0, got {margin}')
        self.size, self.margin, self.rotate = int(size), float(margin), rotate
        self.border_values = dict(border_values or {})

    def matrix(self, face: Union[FaceDetections, Sequence[float]],
               eyes: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float]:
        """(2, 3) matrix and θ for one face (a one-face
        :class:`FaceDetections`, or a box plus optional (2, 2) eyes)."""
        if isinstance(face, FaceDetections):
            if len(face) != 1:
                raise ValueError(f'FaceAligner aligns one face, got '
                                 f'{len(face)}; use detections.largest()')
            box, eyes = face.boxes[0], face.eyes[0]
        else:
            box = face
        return alignment_matrix(box, eyes, self.size, self.margin,
                                self.rotate)

    def __call__(self, images: Mapping[str, np.ndarray],
                 face: Union[FaceDetections, Sequence[float]],
                 eyes: Optional[np.ndarray] = None) -> AlignedFace:
        """Align ``images`` (modality name -> map, all of one size).

        Args:
            images (dict): e.g. ``dict(rgb=(H, W, 3), depth=(H, W),
                parsing=(H, W))``, pixel-aligned with each other.
            face: see :meth:`matrix`.
            eyes: see :meth:`matrix`.

        Returns:
            AlignedFace: the maps, the matrix and θ.
        """
        shapes = {k: v.shape[:2] for k, v in images.items()}
        if len(set(shapes.values())) > 1:
            raise ValueError('FaceAligner needs pixel-aligned modalities of '
                             f'one size, got {shapes}')
        M, theta = self.matrix(face, eyes)
        out = {k: warp(v, M, self.size, k, self.border_values.get(k))
               for k, v in images.items()}
        return AlignedFace(out, M, theta)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, '
                f'margin={self.margin}, rotate={self.rotate})')
