"""How each modality is resampled when a face is cropped or aligned.

The interpolation comes from the modality table
(:mod:`mmfer.structures.modalities`): ``'bilinear'`` for intensities (rgb,
gray, thermal), ``'nearest'`` for depth, parsing and LBP codes, so a
resampled depth, parsing or LBP map holds only values of its input (no
depth invented across the face silhouette, no class ids or bit patterns
mixed).

Pixels that come from outside the image get a value that means "nothing
there", never an invented one (:func:`border_value`):

=============  ===============================================
modality       border value
=============  ===============================================
rgb/gray/lbp   0 (black)
depth          uint16 file codes: ``DEPTH_BACKGROUND_CODE`` (65535);
               float (mm): ``DEPTH_BACKGROUND_MM`` (1500, what the
               depth codec decodes the background to); uint8 (the
               loaded input of ``LoadFaceModalities``, nearest point
               brightest): 0, its background
thermal        median of the image's own border pixels
parsing        0 (the background class)
=============  ===============================================
"""
from typing import Optional, Sequence

import cv2
import numpy as np

from mmfer.structures.codecs import DEPTH_BACKGROUND_CODE, DEPTH_BACKGROUND_MM
from mmfer.structures.modalities import get_modality

from .boxes import crop_pad

#: Modality table interpolation name -> OpenCV flag.
CV2_INTERPOLATION = dict(bilinear=cv2.INTER_LINEAR, nearest=cv2.INTER_NEAREST)


def interpolation(modality: str) -> int:
    """OpenCV interpolation flag of ``modality`` (from the modality table;
    ValueError lists the valid modality names)."""
    return CV2_INTERPOLATION[get_modality(modality).interpolation]


def border_value(modality: str, img: np.ndarray) -> float:
    """Value of pixels outside the image (table in the module docstring)."""
    name = get_modality(modality).name
    if name == 'depth':
        if img.dtype == np.uint8:           # depth_to_uint8: background 0
            return 0.0
        if np.issubdtype(img.dtype, np.integer):
            return float(DEPTH_BACKGROUND_CODE)
        return float(DEPTH_BACKGROUND_MM)
    if name == 'thermal':
        border = np.concatenate([img[0].ravel(), img[-1].ravel(),
                                 img[:, 0].ravel(), img[:, -1].ravel()])
        return float(np.median(border))
    return 0.0


def crop_resize(img: np.ndarray, box: Sequence[int], size: int,
                modality: str, border: Optional[float] = None
                ) -> np.ndarray:
    """Crop an integer box (padding outside the image) and resize it.

    The axis-aligned path (no rotation) of the preprocessing tools; bilinear
    modalities use ``INTER_AREA`` when the crop shrinks (anti-aliased) and
    ``INTER_LINEAR`` when it grows.

    Args:
        img (np.ndarray): (H, W) or (H, W, C) map of ``modality``.
        box (sequence): integer ``(x0, y0, x1, y1)``.
        size (int): output side.
        modality (str): a name of the modality table.
        border (float, optional): override :func:`border_value`.

    Returns:
        np.ndarray: (size, size[, C]), ``img``'s dtype.
    """
    flag = interpolation(modality)
    fill = border_value(modality, img) if border is None else border
    if flag == cv2.INTER_LINEAR and box[2] - box[0] > size:
        flag = cv2.INTER_AREA
    crop = crop_pad(img, box, np.asarray(fill).astype(img.dtype))
    return cv2.resize(crop, (size, size), interpolation=flag)
