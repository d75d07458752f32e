"""2-D face shape (curves and landmarks) from identity + AU intensities.

Coordinates are *face units* in the canonical frontal frame: origin at the
face centre (between the eyes' level and the nose), x to the image right,
y down; the face oval spans roughly x in [-0.85, 0.85], y in [-1, 1.1].
Every AU moves only the features of its own region (see the table in
``docs/synthface.md``); that locality is what the tests check.
"""
import numpy as np

from .constants import AU_INDEX
from .expressions import au_vector

SIDES = (-1.0, 1.0)  # image-left, image-right
_SIDE_NAMES = ('left', 'right')
_N_CURVE = 17  # samples per lid / lip curve


def _landmark_names():
    names = []
    for s in _SIDE_NAMES:
        names += [f'{s}_brow_{i}' for i in range(5)]
    for s in _SIDE_NAMES:
        names += [f'{s}_eye_{p}' for p in ('inner', 'upper_inner', 'upper_outer',
                                           'outer', 'lower_outer',
                                           'lower_inner', 'pupil')]
    names += ['nose_bridge', 'nose_tip', 'left_ala', 'right_ala', 'subnasale']
    names += ['mouth_left', 'mouth_right', 'upper_lip_top', 'upper_lip_bottom',
              'lower_lip_top', 'lower_lip_bottom', 'upper_lip_top_left',
              'upper_lip_top_right', 'lower_lip_bottom_left',
              'lower_lip_bottom_right']
    names += [f'jaw_{i}' for i in range(9)]
    return tuple(names)


#: Names of the (L, 2) landmark array returned by the renderer (L = 48).
LANDMARK_NAMES = _landmark_names()
LANDMARK_INDEX = {n: i for i, n in enumerate(LANDMARK_NAMES)}


def au_level(au, k):
    """Normalised intensity of AU k in [0, 1]."""
    return float(au[AU_INDEX[k]]) / 5.0


def _brows(subj, au):
    a1, a2, a4 = au_level(au, 1), au_level(au, 2), au_level(au, 4)
    t = np.linspace(0.0, 1.0, 9)
    brows, lines = [], []
    for s in SIDES:
        x = s * (0.10 + 0.46 * t) * subj.eye_spacing
        y = -0.38 + subj.brow_height - 0.06 * np.sin(np.pi * t * 0.9)
        # AU1 raises the inner half, AU2 the outer half, AU4 lowers the
        # inner/middle part and pulls it toward the midline.
        y = (y - 0.11 * a1 * (1 - t)**1.5 - 0.11 * a2 * t**1.5 +
             0.09 * a4 * (1 - 0.6 * t))
        x = x - s * 0.05 * a4 * (1 - t)
        half = 0.5 * 0.05 * subj.brow_thick * (1 - 0.35 * t)
        centre = np.stack([x, y], 1)
        poly = np.concatenate([np.stack([x, y - half], 1),
                               np.stack([x, y + half], 1)[::-1]])
        brows.append(poly)
        lines.append(centre)
    return brows, lines


def _eyes(subj, au):
    a4, a5, a6, a7 = (au_level(au, k) for k in (4, 5, 6, 7))
    u = np.linspace(-1.0, 1.0, _N_CURVE)
    eyes = []
    for s in SIDES:
        cx, cy = s * 0.34 * subj.eye_spacing, -0.12
        ew = 0.15 * subj.eye_size
        # AU5 widens upward; AU7 tightens both lids; AU6 pushes the lower
        # lid up from below; AU4 lowers the upper lid slightly.
        up = 0.075 * subj.eye_size * (1 + 0.9 * a5 - 0.4 * a7 - 0.2 * a6 -
                                      0.15 * a4)
        lo = 0.05 * subj.eye_size * (1 - 0.55 * a6 - 0.45 * a7 + 0.2 * a5)
        up, lo = max(up, 0.012), max(lo, 0.008)
        x = cx + s * u * ew  # u=-1 inner corner, u=+1 outer corner
        tilt = -0.012 * u    # outer corner slightly higher
        upper = np.stack([x, cy + tilt - up * (1 - u**2)**0.7], 1)
        lower = np.stack([x, cy + tilt + lo * (1 - u**2)**0.9], 1)
        eyes.append(dict(center=np.array([cx, cy]), ew=ew, up=up, lo=lo,
                         upper=upper, lower=lower, side=s))
    return eyes


def _nose(subj, au):
    a9, a10 = au_level(au, 9), au_level(au, 10)
    ns, nl = subj.nose_size, subj.nose_len
    ala_y = 0.26 * nl - 0.04 * a9 - 0.01 * a10
    ala_x = (0.14 + 0.02 * a9) * ns
    tip = np.array([0.0, 0.22 * nl - 0.015 * a9])
    half = np.array([[0.045, -0.10], [0.06, 0.10 * nl], [ala_x, ala_y],
                     [0.10 * ns, ala_y + 0.05], [0.0, ala_y + 0.045]])
    left = half * [-1, 1]
    poly = np.concatenate([left[:-1], half[::-1]])
    return dict(poly=poly, tip=tip, ala_y=ala_y, ala_x=ala_x,
                bridge=np.array([0.0, -0.12]),
                subnasale=np.array([0.0, ala_y + 0.045]))


def _mouth(subj, au):
    g = {k: au_level(au, k)
         for k in (9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26)}
    my = 0.52
    hw = 0.26 * subj.mouth_w * (1 + 0.22 * g[12] + 0.25 * g[20] -
                                0.12 * g[23] - 0.06 * g[24] - 0.04 * g[14])
    corner_y = (my - 0.10 * g[12] + 0.08 * g[15] + 0.015 * g[20] -
                0.01 * g[14])
    gap = (0.05 * g[25] + 0.2 * g[26] + 0.02 * g[10]) * (1 - g[24])
    thin = 1 - 0.55 * g[23] - 0.45 * g[24] - 0.2 * g[20]
    tu = 0.055 * subj.lip_thick * max(thin, 0.25)
    tl = 0.075 * subj.lip_thick * max(thin + 0.15 * g[17], 0.25)
    yi_u = my - 0.35 * gap - 0.03 * g[10]
    yo_u = yi_u - tu - 0.05 * g[10] - 0.015 * g[9]
    yi_l = my + 0.65 * gap - 0.02 * g[17]
    yo_l = yi_l + tl

    u = np.linspace(-1.0, 1.0, _N_CURVE)
    x = u * hw

    def curve(centre_y, power, dip=0.0):
        y = corner_y + (centre_y - corner_y) * (1 - u**2)**power
        y = y + dip * np.exp(-(u / 0.15)**2)  # cupid's bow
        return np.stack([x, y], 1)

    return dict(center_y=my, hw=hw, corner_y=corner_y, gap=gap,
                upper_outer=curve(yo_u, 0.6, dip=0.012),
                upper_inner=curve(yi_u, 1.0), lower_inner=curve(yi_l, 1.0),
                lower_outer=curve(yo_l, 0.7),
                jaw_drop=0.15 * g[26], chin_raise=g[17])


def _oval(subj, jaw_drop, mouth_y, n=72):
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    s = np.sin(t)
    x = subj.face_w * np.cos(t)
    lower = s > 0
    y = np.where(lower, subj.face_h * s, 0.98 * s)
    x = np.where(lower, x * (1 - 0.28 * subj.jaw * s**3), x)
    # Jaw drop lowers the face below the mouth, growing toward the chin.
    below = np.clip((y - mouth_y) / (subj.face_h - mouth_y), 0.0, 1.0)
    y = y + jaw_drop * below
    return np.stack([x, y], 1)


def build_face_shape(subject, au):
    """All 2-D curves of one face.

    Args:
        subject (SubjectParams): identity.
        au (dict | array-like): AU intensities (see
            :func:`~.expressions.au_vector`).

    Returns:
        dict: ``oval`` (72, 2), ``brows``/``brow_lines`` (2 polygons/lines,
        image-left first), ``eyes`` (2 dicts with ``upper``/``lower`` (17, 2)
        lid curves, ``center``, ``ew``, ``up``, ``lo``), ``nose`` (dict with
        ``poly``), ``mouth`` (dict with four (17, 2) lip curves from the
        left corner to the right one, ``gap``, ``jaw_drop``), ``chin``
        (2,), ``landmarks`` (48, 2) in face units (see
        :data:`LANDMARK_NAMES`) and ``au`` (17,) the normalised input.
    """
    au = au_vector(au)
    brows, brow_lines = _brows(subject, au)
    eyes = _eyes(subject, au)
    nose = _nose(subject, au)
    mouth = _mouth(subject, au)
    oval = _oval(subject, mouth['jaw_drop'], mouth['center_y'])
    chin = np.array([0.0, subject.face_h + mouth['jaw_drop'] -
                     0.03 * mouth['chin_raise']])

    lm = []
    for line in brow_lines:
        lm += list(line[::2][:5])
    for e in eyes:
        up, lo = e['upper'], e['lower']
        lm += [up[0], up[5], up[11], up[-1], lo[11], lo[5], e['center']]
    lm += [nose['bridge'], nose['tip'], [-nose['ala_x'], nose['ala_y']],
           [nose['ala_x'], nose['ala_y']], nose['subnasale']]
    m = mouth
    c = _N_CURVE // 2
    lm += [m['upper_outer'][0], m['upper_outer'][-1], m['upper_outer'][c],
           m['upper_inner'][c], m['lower_inner'][c], m['lower_outer'][c],
           m['upper_outer'][c // 2], m['upper_outer'][-1 - c // 2],
           m['lower_outer'][c // 2], m['lower_outer'][-1 - c // 2]]
    # Lower half of the oval, image-left temple to image-right temple.
    n = len(oval)
    jaw_idx = np.linspace(n // 2, 0, 9).round().astype(int) % n
    lm += list(oval[jaw_idx])
    landmarks = np.asarray(lm, np.float64).reshape(-1, 2)
    assert len(landmarks) == len(LANDMARK_NAMES)
    return dict(oval=oval, brows=brows, brow_lines=brow_lines, eyes=eyes,
                nose=nose, mouth=mouth, chin=chin, landmarks=landmarks,
                au=au)
