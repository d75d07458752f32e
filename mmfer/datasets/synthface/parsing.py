"""Rasterise the face-parsing label map in the canonical frame."""
import numpy as np

from .constants import PARSING_INDEX as P

#: Lip gap (face units) below which the mouth counts as closed.
MIN_MOUTH_GAP = 0.004


def hairline(x, style):
    """Face-unit y of the hairline at x (hair is above it), or None."""
    if style == 'bald':
        return None
    top = -0.58 if style == 'fringe' else -0.66
    return top + 0.15 * x * x


def glasses_polys(shape, subject):
    """Rim ellipses (2 x (48, 2)), bridge and temple lines, face units."""
    rims = []
    for e in shape['eyes']:
        cx, cy = e['center']
        rims.append((cx, cy, 0.25 * subject.eye_size, 0.17 * subject.eye_size))
    (lx, ly, lrx, _), (rx_, ry_, rrx, _) = rims
    bridge = np.array([[lx + lrx, ly - 0.02], [0.0, ly - 0.05],
                       [rx_ - rrx, ry_ - 0.02]])
    temples = [np.array([[lx - lrx, ly - 0.03], [-subject.face_w, ly - 0.06]]),
               np.array([[rx_ + rrx, ry_ - 0.03], [subject.face_w, ry_ - 0.06]])]
    return rims, bridge, temples


def rasterize_parsing(shape, subject, canvas):
    """Label map (S, S) uint8 with :data:`~.constants.PARSING_CLASSES` ids.

    Draw order (later wins): hair behind the head, neck and face oval (skin),
    hair over the forehead, brows, nose, lips and inner mouth, glasses, eyes.
    """
    S = canvas.size
    lab = np.zeros((S, S), np.uint8)
    fw = subject.face_w
    style = subject.hair_style
    if style != 'bald':
        back = [canvas.ellipse_poly(0.0, -0.22, fw * 1.13, 1.02)]
        if style == 'long':
            back.append(np.array([[-fw * 1.15, -0.3], [fw * 1.15, -0.3],
                                  [fw * 1.05, 1.0], [-fw * 1.05, 1.0]]))
        canvas.fill(lab, back, P['hair'])
    neck = np.array([[-0.42, 0.6], [0.42, 0.6], [0.5, 2.0], [-0.5, 2.0]])
    canvas.fill(lab, [neck], P['skin'])
    canvas.fill(lab, [shape['oval']], P['skin'])
    hl = hairline(canvas.X, style)
    if hl is not None:
        lab[(lab == P['skin']) & (canvas.Y < hl)] = P['hair']
    canvas.fill(lab, [shape['brows'][0]], P['left_brow'])
    canvas.fill(lab, [shape['brows'][1]], P['right_brow'])
    canvas.fill(lab, [shape['nose']['poly']], P['nose'])
    m = shape['mouth']
    canvas.fill(lab, [np.concatenate([m['upper_outer'],
                                      m['upper_inner'][::-1]])],
                P['upper_lip'])
    canvas.fill(lab, [np.concatenate([m['lower_inner'],
                                      m['lower_outer'][::-1]])],
                P['lower_lip'])
    if m['gap'] > MIN_MOUTH_GAP:
        canvas.fill(lab, [np.concatenate([m['upper_inner'],
                                          m['lower_inner'][::-1]])],
                    P['inner_mouth'])
    if subject.glasses:
        rims, bridge, temples = glasses_polys(shape, subject)
        w = 0.028
        for cx, cy, rx, ry in rims:
            canvas.polyline(lab, canvas.ellipse_poly(cx, cy, rx, ry), P['glasses'],
                            w, closed=True, antialias=False)
        for line in [bridge] + temples:
            canvas.polyline(lab, line, P['glasses'], w, antialias=False)
    eyes = shape['eyes']
    for e, cls in zip(eyes, (P['left_eye'], P['right_eye'])):
        canvas.fill(lab, [np.concatenate([e['upper'], e['lower'][::-1]])], cls)
    return lab
