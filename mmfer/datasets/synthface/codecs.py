"""Encoding of depth and thermal maps as integer images, and back.

* depth: uint16 PNG in 0.1 mm units (``value = round(depth_mm * 10)``,
  foreground 1..65534).  Background (the constant
  :data:`~.constants.DEPTH_BACKGROUND_MM` = 1500 mm in memory) is stored as
  65535, the usual "no return" code, and decoded back to 1500 mm; 0 (invalid
  on real sensors) is decoded as NaN.
* thermal: uint16 PNG in centi-degrees Celsius (``value = round(T * 100)``).
"""
import numpy as np

from .constants import DEPTH_BACKGROUND_MM

DEPTH_SCALE = 10.0    # uint16 units per millimetre
THERMAL_SCALE = 100.0  # uint16 units per °C


DEPTH_BACKGROUND_CODE = 65535


def encode_depth(depth_mm):
    """(H, W) float depth in mm -> uint16 in 0.1 mm units, background 65535."""
    d = np.asarray(depth_mm)
    code = np.clip(np.rint(d * DEPTH_SCALE), 1, DEPTH_BACKGROUND_CODE - 1)
    code[~depth_foreground(d)] = DEPTH_BACKGROUND_CODE
    return code.astype(np.uint16)


def decode_depth(depth_u16):
    """uint16 0.1 mm units -> float32 mm (65535 -> 1500 background, 0 -> NaN)."""
    raw = np.asarray(depth_u16)
    d = raw.astype(np.float32) / DEPTH_SCALE
    d[raw == DEPTH_BACKGROUND_CODE] = DEPTH_BACKGROUND_MM
    d[raw == 0] = np.nan
    return d


def depth_foreground(depth_mm):
    """Boolean mask of pixels nearer than the background constant."""
    return np.asarray(depth_mm) < DEPTH_BACKGROUND_MM - 0.5


def depth_to_uint8(depth_mm, near=None, far=None):
    """Normalise depth to uint8 for viewing/CNN input: near = 255.

    Args:
        depth_mm (np.ndarray): (H, W) depth in mm.
        near, far (float, optional): range mapped to 255..1; default is the
            min/max over the foreground.  Background is 0.

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


def encode_thermal(temp_c):
    """(H, W) float °C -> uint16 centi-degrees."""
    return np.clip(np.rint(np.asarray(temp_c) * THERMAL_SCALE), 0,
                   65535).astype(np.uint16)


def decode_thermal(temp_u16):
    """uint16 centi-degrees -> float32 °C."""
    return np.asarray(temp_u16).astype(np.float32) / THERMAL_SCALE
