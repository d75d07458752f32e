"""How each modality is stored in a file, and back (numpy only).

One definition used by the SynthFace renderer's layouts, the loaders
(:class:`mmfer.datasets.transforms.LoadFaceModalities`) and the
preprocessing tools under ``tools/dataset_converters/``:

* ``depth_u16``: uint16 PNG in 0.1 mm units (``code = round(depth_mm *
  10)``, foreground 1..65534). Pixels at or beyond the far plane
  :data:`DEPTH_BACKGROUND_MM` (1500 mm) and pixels without a surface
  (NaN / inf) are background, stored as :data:`DEPTH_BACKGROUND_CODE`
  (65535, the usual "no return" code) and decoded back to 1500 mm; 0
  (invalid on real sensors) decodes to NaN.
* ``thermal_u16``: uint16 PNG in centi-degrees Celsius (``code = round(T *
  100)``).
* ``image_u8``: 8-bit image (RGB stored as BGR by OpenCV, or gray); values
  are intensities, no conversion.
* ``label_u8``: 8-bit class ids (face parsing), never interpolated.

:data:`CODECS` maps these names (the ``codec`` field of
:mod:`mmfer.structures.modalities`) to :class:`Codec` objects.

Examples:
    >>> code = encode_depth(np.array([[600.04, 1500.0, np.nan]]))
    >>> code
    array([[ 6000, 65535, 65535]], dtype=uint16)
    >>> decode_depth(code)
    array([[ 600., 1500., 1500.]], dtype=float32)
"""
from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np

#: Depth of background pixels in memory, in millimetres (a constant "far").
DEPTH_BACKGROUND_MM = 1500.0
#: uint16 code of background ("no return") pixels in a depth PNG.
DEPTH_BACKGROUND_CODE = 65535
DEPTH_SCALE = 10.0  # uint16 units per millimetre
THERMAL_SCALE = 100.0  # uint16 units per °C


def depth_foreground(depth_mm: np.ndarray) -> np.ndarray:
    """Boolean mask of pixels nearer than the far plane (NaN is False)."""
    return np.asarray(depth_mm) < DEPTH_BACKGROUND_MM - 0.5


def depth_code_foreground(depth_u16: np.ndarray) -> np.ndarray:
    """Pixels of an encoded depth map with a return (not 0, not 65535)."""
    code = np.asarray(depth_u16)
    return (code > 0) & (code < DEPTH_BACKGROUND_CODE)


def encode_depth(depth_mm: np.ndarray) -> np.ndarray:
    """(H, W) float depth in mm -> uint16 in 0.1 mm units.

    Background (at or beyond :data:`DEPTH_BACKGROUND_MM`, NaN or inf) is
    stored as :data:`DEPTH_BACKGROUND_CODE`; the foreground is clipped to
    1..65534.
    """
    d = np.asarray(depth_mm, np.float64)
    fg = depth_foreground(d)
    code = np.full(d.shape, DEPTH_BACKGROUND_CODE, np.uint16)
    code[fg] = np.clip(np.rint(d[fg] * DEPTH_SCALE), 1,
                       DEPTH_BACKGROUND_CODE - 1)
    return code


def decode_depth(depth_u16: np.ndarray) -> np.ndarray:
    """uint16 0.1 mm units -> float32 mm (65535 -> 1500 mm, 0 -> NaN)."""
    raw = np.asarray(depth_u16)
    d = raw.astype(np.float32) / DEPTH_SCALE
    d[raw == DEPTH_BACKGROUND_CODE] = DEPTH_BACKGROUND_MM
    d[raw == 0] = np.nan
    return d


def depth_to_uint8(depth_mm: np.ndarray,
                   near: Optional[float] = None,
                   far: Optional[float] = None) -> np.ndarray:
    """Normalise depth to uint8 for viewing / CNN input: near = 255.

    Args:
        depth_mm (np.ndarray): (H, W) depth in mm.
        near, far (float, optional): range mapped to 255..1; default is the
            min/max over the foreground. Background is 0.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    d = np.asarray(depth_mm, np.float32)
    fg = depth_foreground(d)
    if not fg.any():
        return np.zeros(d.shape, np.uint8)
    near = float(d[fg].min()) if near is None else near
    far = float(d[fg].max()) if far is None else far
    v = 1 + 254 * (far - d) / max(far - near, 1e-6)
    return np.where(fg, np.clip(np.rint(v), 1, 255), 0).astype(np.uint8)


def encode_thermal(temp_c: np.ndarray) -> np.ndarray:
    """(H, W) float °C -> uint16 centi-degrees (clipped to 0..655.35 °C)."""
    return np.clip(np.rint(np.asarray(temp_c) * THERMAL_SCALE), 0,
                   65535).astype(np.uint16)


def decode_thermal(temp_u16: np.ndarray) -> np.ndarray:
    """uint16 centi-degrees -> float32 °C."""
    return np.asarray(temp_u16).astype(np.float32) / THERMAL_SCALE


def _identity(x: np.ndarray) -> np.ndarray:
    return np.asarray(x)


@dataclass(frozen=True)
class Codec:
    """How one kind of map is stored in an image file.

    Args:
        name (str): key in :data:`CODECS`.
        dtype (type): numpy dtype of the file content (``np.uint8`` or
            ``np.uint16``).
        encode (callable): in-memory value -> file content.
        decode (callable): file content -> in-memory value.
        unit (str): what a decoded value means.
    """
    name: str
    dtype: type
    encode: Callable[[np.ndarray], np.ndarray]
    decode: Callable[[np.ndarray], np.ndarray]
    unit: str


CODECS: Dict[str, Codec] = {
    c.name: c
    for c in (
        Codec('image_u8', np.uint8, _identity, _identity,
              'intensity 0..255'),
        Codec('label_u8', np.uint8, _identity, _identity, 'class id'),
        Codec('depth_u16', np.uint16, encode_depth, decode_depth,
              'depth in mm (background 1500, no return NaN)'),
        Codec('thermal_u16', np.uint16, encode_thermal, decode_thermal,
              'temperature in °C'),
    )
}


def get_codec(name: str) -> Codec:
    """The :class:`Codec` called ``name``; ValueError lists valid names."""
    if name not in CODECS:
        raise ValueError(f'Unknown codec {name!r}; valid codecs are '
                         f'{sorted(CODECS)}.')
    return CODECS[name]
