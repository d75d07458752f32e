"""The 3-D face surface as a height field z(x, y) in the canonical frame.

z is in face units toward the camera (larger = nearer): an ellipsoidal head
plus compactly supported bumps for the brow ridge, eye sockets, nose,
cheeks, lips and chin, deformed by the AUs through the face shape.
"""
import numpy as np

from .constants import PARSING_INDEX as P
from .geometry import au_level

#: Height (face units) of the rotation pivot plane used for head pose.
Z_PIVOT = 0.5


def _lip_band(z, canvas, outer, inner, height):
    """Add a lip bulge following a lip's outer/inner curves.

    Args:
        outer, inner: (17, 2) curves from the left corner to the right one.
        height (float): protrusion at the lip centre (face units).
    """
    hw = outer[-1, 0]
    rs, cs = canvas.box(0.0, float((outer[:, 1].mean() + inner[:, 1].mean()) / 2),
                        hw, 0.25)
    x = canvas.xs[cs][None, :]
    y = canvas.ys[rs][:, None]
    yo = np.interp(x, outer[:, 0], outer[:, 1])
    yi = np.interp(x, inner[:, 0], inner[:, 1])
    yc = (yo + yi) / 2
    half = np.abs(yi - yo) / 2 * 1.3 + 0.012
    r2 = ((y - yc) / half)**2
    u2 = np.clip((x / hw)**2, 0.0, 1.0)
    z[rs, cs] += height * np.sqrt(1 - u2) * np.where(r2 < 1, (1 - r2)**2, 0.0)


def _nose_ridge(z, canvas, nose, size):
    top, tip = -0.15, float(nose['tip'][1])
    bottom = float(nose['ala_y']) + 0.07
    rs, cs = canvas.box(0.0, (top + bottom) / 2, 0.2, (bottom - top) / 2)
    x = canvas.xs[cs][None, :]
    y = canvas.ys[rs][:, None]
    rise = np.clip((y - top) / (tip - top), 0.0, 1.0)**1.3
    fall = np.clip(1 - (y - tip) / (bottom - tip), 0.0, 1.0)**0.7
    h = 0.3 * size * np.where(y <= tip, rise, fall)
    w = 0.045 + 0.09 * np.clip((y - top) / (tip - top), 0.0, 1.0)
    r2 = (x / w)**2
    z[rs, cs] += h * np.where(r2 < 1, (1 - r2)**2, 0.0)


def height_field(shape, subject, parsing, canvas):
    """Height field of the face in the canonical frame.

    Args:
        shape (dict): from :func:`~.geometry.build_face_shape`.
        subject (SubjectParams): identity.
        parsing (np.ndarray): (S, S) uint8 canonical label map.
        canvas (Canvas): pixel grid.

    Returns:
        np.ndarray: (S, S) float32 heights in face units (0 far away).
    """
    au = shape['au']
    a = {k: au_level(au, k) for k in (4, 6, 7, 9, 12, 14, 17, 24)}
    X, Y = canvas.X, canvas.Y
    fw = subject.face_w
    arg = 1 - (X / (fw * 1.1))**2 - ((Y + 0.1) / 1.45)**2     # (S, S)
    z = 0.85 * np.sqrt(np.clip(arg, 0.0, None))
    neck = 0.3 * np.sqrt(np.clip(1 - (X / 0.5)**2, 0.0, None))  # (1, S)
    z = np.where(Y > 0.75, np.maximum(z, neck), z)

    add = canvas.add_bump
    add(z, 0.0, -0.34, 0.62, 0.14, 0.06)                 # brow ridge
    add(z, 0.0, -0.30, 0.12, 0.08, 0.02 * a[4])           # AU4 glabella bulge
    for line in shape['brow_lines']:                      # brow soft tissue
        mx, my = line[4]
        add(z, mx, my + 0.02, 0.2, 0.08, 0.02)
    for e in shape['eyes']:
        cx, cy = e['center']
        add(z, cx, cy + 0.01, 0.2, 0.12, -0.07)           # socket
        add(z, cx, cy, e['ew'] * 0.9, e['up'] + 0.02, 0.03)  # eyeball
        add(z, cx, cy + e['lo'] + 0.025, e['ew'], 0.04, 0.015 * a[7])
    nose = shape['nose']
    _nose_ridge(z, canvas, nose, subject.nose_size)
    for s in (-1, 1):
        add(z, s * nose['ala_x'] * 0.8, nose['ala_y'], 0.07, 0.06, 0.07)
        add(z, s * 0.42, 0.18 - 0.06 * a[6], 0.3, 0.26, 0.04 + 0.05 * a[6])
    add(z, 0.0, -0.02, 0.08, 0.06, 0.025 * a[9])          # AU9 bridge bulge
    m = shape['mouth']
    hw, cy = m['hw'], m['corner_y']
    for s in (-1, 1):
        add(z, s * (hw + 0.05), cy - 0.07, 0.1, 0.1, 0.05 * a[12])  # AU12
        add(z, s * (hw + 0.035), cy, 0.035, 0.04, -0.03 * a[14])   # dimple
    add(z, 0.0, m['center_y'], 0.32 * subject.mouth_w, 0.2, 0.06)
    _lip_band(z, canvas, m['upper_outer'], m['upper_inner'],
              0.05 * (1 - 0.3 * a[24]))
    _lip_band(z, canvas, m['lower_inner'], m['lower_outer'],
              0.06 * (1 - 0.3 * a[24]) + 0.02 * a[17])
    chin_y = float(shape['chin'][1])
    add(z, 0.0, chin_y - 0.12, 0.22, 0.13, 0.06 + 0.05 * a[17])

    z[parsing == P['inner_mouth']] -= 0.15
    hair = parsing == P['hair']
    z[hair] = np.maximum(z[hair], 0.05) + 0.04
    glasses = parsing == P['glasses']
    z[glasses] += 0.12
    return z.astype(np.float32)
