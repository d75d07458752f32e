"""Facial temperature field in °C (canonical frame, before sensor effects).

Physiology encoded (after e.g. Ioannou et al., "Thermal infrared imaging in
psychophysiology", Psychophysiology 2014): inner eye corners (periorbital)
are the warmest skin and warm with arousal; the nose tip is cool and cools
further with arousal (vasoconstriction); the mouth region is warm; muscle
activity (AU6, AU12, AU4, AU9) warms its region; face edges are cooler.
"""
import numpy as np

from .constants import PARSING_INDEX as P
from .geometry import au_level

SKIN_BASE_C = 34.2


def thermal_field(shape, subject, parsing, z, canvas, arousal):
    """Temperature of every foreground pixel (background is set later).

    Args:
        shape (dict): face shape.
        subject (SubjectParams): identity (``thermal_offset``).
        parsing (np.ndarray): (S, S) uint8 canonical labels.
        z (np.ndarray): (S, S) canonical height field (face units).
        canvas (Canvas): pixel grid.
        arousal (float): in [0, 1].

    Returns:
        np.ndarray: (S, S) float32 °C.
    """
    au = shape['au']
    a = {k: au_level(au, k) for k in (4, 6, 7, 9, 12)}
    base = SKIN_BASE_C + subject.thermal_offset
    T = base + 1.2 * (np.clip(z / 0.8, 0.0, 1.0) - 1.0)   # cooler edges
    add = canvas.add_bump
    for e in shape['eyes']:
        cx, cy = e['center']
        inner_x = cx - e['side'] * e['ew']
        add(T, inner_x, cy, 0.11, 0.09, 1.2 + 1.0 * arousal + 0.3 * a[7])
    add(T, 0.0, -0.55, 0.5, 0.25, 0.4)                           # forehead
    add(T, 0.0, -0.30, 0.1, 0.08, 0.4 * a[4])                     # corrugator
    add(T, 0.0, -0.02, 0.08, 0.08, 0.3 * a[9])                    # AU9
    add(T, 0.0, float(shape['nose']['tip'][1]), 0.14, 0.16,
        -(0.5 + 2.0 * arousal))                                   # nose tip
    for s in (-1, 1):
        add(T, s * 0.42, 0.2, 0.22, 0.2, -0.4 + 0.7 * a[6] + 0.3 * a[12])
    m = shape['mouth']
    add(T, 0.0, m['center_y'], 0.35, 0.2, 0.5)
    T[(parsing == P['upper_lip']) | (parsing == P['lower_lip'])] += 0.3
    T[parsing == P['inner_mouth']] = 36.0 + 0.3 * arousal
    eyes = (parsing == P['left_eye']) | (parsing == P['right_eye'])
    T[eyes] = base + 0.6
    T[parsing == P['hair']] = 29.0 + 0.5 * subject.thermal_offset
    T[parsing == P['glasses']] = 26.5   # glass is opaque to LWIR
    return T.astype(np.float32)
