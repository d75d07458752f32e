"""Surface colour (albedo) of the face in the canonical frame.

Per-class base colours from the identity, a fixed per-subject skin blotch
pattern, eyes (sclera, iris, pupil, lid shadow, lashes), teeth, and AU
wrinkles drawn as darkening lines whose strength scales with intensity.
"""
import cv2
import numpy as np

from .constants import PARSING_CLASSES
from .constants import PARSING_INDEX as P
from .geometry import au_level


def _class_colours(subject):
    """(num_classes, 3) float32 RGB albedo per parsing class."""
    skin = np.asarray(subject.skin_rgb)
    hair = np.asarray(subject.hair_rgb)
    lut = np.zeros((len(PARSING_CLASSES), 3), np.float32)
    lut[P['background']] = 0.5
    lut[P['skin']] = skin
    lut[P['nose']] = skin * (1.0, 0.97, 0.96)
    lut[P['upper_lip']] = skin * (0.92, 0.6, 0.6)
    lut[P['lower_lip']] = skin * (0.95, 0.64, 0.64)
    lut[P['inner_mouth']] = (0.35, 0.08, 0.1)
    lut[P['hair']] = hair
    brow = 0.8 * hair * 0.9 + 0.2 * skin
    lut[P['left_brow']] = brow
    lut[P['right_brow']] = brow
    lut[P['left_eye']] = lut[P['right_eye']] = (0.8, 0.78, 0.76)
    lut[P['glasses']] = (0.07, 0.07, 0.08)
    return np.clip(lut, 0.0, 1.0)


def skin_pattern(seed, size):
    """Fixed low-frequency multiplicative skin variation, (S, S) ~ 1 +- 0.06."""
    small = np.random.default_rng(seed).standard_normal((6, 6)).astype(np.float32)
    return 1.0 + 0.03 * cv2.resize(small, (size, size),
                                   interpolation=cv2.INTER_CUBIC)


def _curve_y(x, curve):
    return np.interp(x, curve[:, 0], curve[:, 1])


def _paint_eyes(alb, shape, subject, parsing, canvas, gaze):
    iris = np.asarray(subject.iris_rgb, np.float32)
    for e, cls in zip(shape['eyes'], (P['left_eye'], P['right_eye'])):
        cx, cy = e['center']
        rs, cs = canvas.box(cx, cy, e['ew'] + 0.01, e['up'] + 0.03)
        x = canvas.xs[cs][None, :]
        y = canvas.ys[rs][:, None]
        ix = cx + gaze[0] * 0.35 * e['ew']
        iy = cy + gaze[1] * 0.2 * 0.065 * subject.eye_size
        r = np.sqrt((x - ix)**2 + (y - iy)**2)
        ri = 0.058 * subject.eye_size
        col = np.where((r < 0.4 * ri)[..., None], 0.03,
                       np.where((r < ri)[..., None], iris, alb[rs, cs]))
        lid = np.clip((y - _curve_y(x, e['upper'])) / 0.025, 0.0, 1.0)
        col = col * (0.45 + 0.55 * lid)[..., None]      # upper lid shadow
        m = parsing[rs, cs] == cls
        alb[rs, cs][m] = col[m]


def _paint_teeth(alb, shape, parsing, canvas):
    m = shape['mouth']
    rs, cs = canvas.box(0.0, m['center_y'], m['hw'], 0.3)
    x = canvas.xs[cs][None, :]
    y = canvas.ys[rs][:, None]
    inner = parsing[rs, cs] == P['inner_mouth']
    upper = inner & (y < _curve_y(x, m['upper_inner']) + 0.035)
    lower = inner & (y > _curve_y(x, m['lower_inner']) - 0.02)
    sub = alb[rs, cs]
    sub[lower] = (0.8, 0.78, 0.72)
    sub[upper] = (0.92, 0.9, 0.84)
    alb[rs, cs] = sub


def wrinkle_map(shape, subject, canvas):
    """Darkening in [0, 1] from lashes, folds and AU wrinkles, (S, S) float32.

    Each AU's lines lie in its own region, scaled by its intensity, so an
    AU at 0 draws nothing.
    """
    au = shape['au']
    a = {k: au_level(au, k) for k in (1, 2, 4, 6, 7, 9, 10, 12, 14, 15, 17,
                                      20)}
    S = canvas.size
    canvas_u8 = np.zeros((S, S), np.uint8)

    def line(pts, darkness, width=0.012):
        v = int(round(255 * min(darkness, 1.0)))
        if v > 0:
            canvas.polyline(canvas_u8, np.asarray(pts, np.float64), v, width)

    for e in shape['eyes']:
        s = e['side']
        cx, cy = e['center']
        ox = cx + s * e['ew']
        line(e['upper'], 0.7, 0.014)                              # lashes
        for dy in (-0.05, 0.0, 0.05):                             # AU6
            line([[ox + s * 0.03, cy], [ox + s * 0.12, cy + dy]], 0.3 * a[6])
        line(e['lower'] + [0, 0.035], 0.2 * a[6] + 0.15 * a[7])   # AU6/7
    for s, bl in zip((-1, 1), shape['brow_lines']):               # AU1/2
        ytop = bl[:, 1].min()
        for k in range(3):
            y = ytop - 0.09 - 0.05 * k
            line([[s * 0.02, y], [s * 0.22, y - 0.01]], 0.22 * a[1])
            line([[s * 0.22, y - 0.01], [s * 0.5, y + 0.02]], 0.22 * a[2])
    for s in (-1, 1):                                             # AU4
        line([[s * 0.035, -0.37], [s * 0.03, -0.24]], 0.35 * a[4])
    for y in (-0.04, -0.01, 0.02):                                # AU9
        line([[-0.06, y], [0.06, y]], 0.35 * a[9])
    nose, m = shape['nose'], shape['mouth']
    hw, cy = m['hw'], m['corner_y']
    fold = 0.08 + 0.3 * max(a[12], 0.7 * a[10], 0.5 * a[9])
    for s in (-1, 1):
        line([[s * (nose['ala_x'] + 0.01), nose['ala_y']],
              [s * (hw + 0.03), cy - 0.05], [s * (hw + 0.06), cy + 0.08]],
             fold)                                                 # nasolabial
        line([[s * (hw + 0.035), cy - 0.03], [s * (hw + 0.03), cy + 0.03]],
             0.35 * a[14])                                         # dimple
        line([[s * hw, cy + 0.02], [s * (hw + 0.01), cy + 0.1]], 0.25 * a[15])
        line([[s * (hw + 0.02), cy], [s * (hw + 0.1), cy + 0.01]], 0.2 * a[20])
    lo = float(m['lower_outer'][len(m['lower_outer']) // 2, 1])
    line([[-0.1, lo + 0.05], [0.0, lo + 0.06], [0.1, lo + 0.05]],
         0.12 + 0.2 * a[17])                                       # AU17
    chin_y = float(shape['chin'][1])
    for dx in (-0.06, 0.0, 0.06):
        line([[dx - 0.02, chin_y - 0.13], [dx + 0.02, chin_y - 0.11]],
             0.25 * a[17])
    return canvas_u8.astype(np.float32) / 255.0


def albedo(shape, subject, parsing, canvas, gaze, pattern):
    """RGB albedo (S, S, 3) float32 in [0, 1] of the canonical face.

    Args:
        shape (dict): face shape.
        subject (SubjectParams): identity.
        parsing (np.ndarray): (S, S) uint8 labels.
        canvas (Canvas): pixel grid.
        gaze (array-like): (2,) iris offset in [-1, 1].
        pattern (np.ndarray): (S, S) skin pattern from :func:`skin_pattern`.
    """
    alb = _class_colours(subject)[parsing]                     # (S, S, 3)
    skinlike = np.isin(parsing, (P['skin'], P['nose'], P['upper_lip'],
                                 P['lower_lip']))
    alb[skinlike] *= pattern[skinlike][:, None]
    _paint_eyes(alb, shape, subject, parsing, canvas, gaze)
    _paint_teeth(alb, shape, parsing, canvas)
    dark = wrinkle_map(shape, subject, canvas)
    face = parsing != P['background']
    alb *= np.where(face, 1.0 - 0.8 * dark, 1.0)[..., None]
    return alb
