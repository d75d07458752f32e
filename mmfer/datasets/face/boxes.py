"""Face boxes: the square crop box with margin, fallback boxes, cropping.

Boxes are ``(x0, y0, x1, y1)`` in continuous pixel coordinates (pixel ``i``
covers ``[i, i + 1)``), so an integer box is the slice
``img[y0:y1, x0:x1]``.

**Margin** (one definition in mmfer): the fraction of the box's longer side
added on *each* side. The square crop of a ``w x h`` box has side
``max(w, h) * (1 + 2 * margin)`` and the box's centre; ``margin=0.1``
gives a side 1.2 times the longer side.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

Box = Tuple[float, float, float, float]


def square_box(box: Sequence[float], margin: float = 0.0,
               integer: bool = False) -> Box:
    """Square box around the centre of ``box``, enlarged by ``margin``.

    Args:
        box (sequence): ``(x0, y0, x1, y1)``.
        margin (float): fraction of the longer side added on each side
            (see the module docstring). Default: 0.
        integer (bool): round each edge to the nearest int (the side can
            then differ from the float side by one pixel). Default: False.

    Returns:
        tuple: ``(x0, y0, x1, y1)`` floats, or ints if ``integer``.

    Example:
        >>> square_box((10, 20, 30, 60), margin=0.25)
        (-10.0, 10.0, 50.0, 70.0)
    """
    if margin < 0:
        raise ValueError(f'margin must be >= 0, got {margin}')
    x0, y0, x1, y1 = (float(v) for v in box)
    side = max(x1 - x0, y1 - y0) * (1.0 + 2.0 * margin)
    cx, cy, half = (x0 + x1) / 2.0, (y0 + y1) / 2.0, side / 2.0
    out = (cx - half, cy - half, cx + half, cy + half)
    if integer:
        return tuple(int(round(v)) for v in out)
    return out


def center_box(shape: Sequence[int]) -> Box:
    """Centre square of side ``min(H, W) // 2`` (MMA-DFER's no-face crop).

    Args:
        shape (sequence): ``(H, W, ...)`` of the image.

    Example:
        >>> center_box((48, 64))
        (20, 12, 44, 36)
    """
    h, w = int(shape[0]), int(shape[1])
    s = min(h // 2, w // 2)
    return (w // 2 - s // 2, h // 2 - s // 2, w // 2 + s // 2,
            h // 2 + s // 2)


def box_from_mask(mask: np.ndarray) -> Optional[Box]:
    """Bounding box of the largest 8-connected component of a mask.

    Args:
        mask (np.ndarray): (H, W) bool or 0/1.

    Returns:
        tuple | None: ``(x0, y0, x1, y1)`` floats, None for an empty mask.
    """
    mask = np.asarray(mask, np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return None
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = stats[k, :4]
    return (float(x), float(y), float(x + w), float(y + h))


def median_box(boxes: Sequence[Sequence[float]]) -> Box:
    """Edge-wise median of several boxes (one box per subject/clip)."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    if len(boxes) == 0:
        raise ValueError('median_box needs at least one box')
    return tuple(float(v) for v in np.median(boxes, 0))


def crop_pad(img: np.ndarray, box: Sequence[int], fill) -> np.ndarray:
    """``img[y0:y1, x0:x1]`` of an integer box, ``fill`` outside the image.

    Args:
        img (np.ndarray): (H, W) or (H, W, C).
        box (sequence): integer ``(x0, y0, x1, y1)``, may leave the image.
        fill: value of the pixels outside the image.

    Returns:
        np.ndarray: (y1 - y0, x1 - x0[, C]), ``img``'s dtype.
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f'empty crop box {tuple(box)}')
    H, W = img.shape[:2]
    out = np.empty((y1 - y0, x1 - x0) + img.shape[2:], img.dtype)
    out[...] = fill
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, W), min(y1, H)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
    return out


def clip_crop(img: np.ndarray, box: Sequence[int]) -> np.ndarray:
    """``img[y0:y1, x0:x1]`` with the box clipped to the image (no padding;
    MMA-DFER's official crop)."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = (int(v) for v in box)
    return img[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
