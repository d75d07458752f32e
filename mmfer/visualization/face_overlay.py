"""Draw per-face inference results (box, expression, landmarks, AU bars).

:func:`draw_face_predictions` annotates a frame with the face results of
:class:`mmfer.apis.FERInferencer` (one dict per detected face, or one
``success=False`` entry for a frame without a face). Every drawing call is
OpenCV's, which clips to the image, so faces at the border are drawn as far
as they are visible.

Example:
    >>> img = np.zeros((120, 160, 3), np.uint8)
    >>> face = dict(success=True, box=[20, 20, 70, 80], score=0.99,
    ...             landmarks=None, expression='happiness',
    ...             expression_probs={'happiness': 0.8, 'neutral': 0.2},
    ...             au_probs={'AU6': 0.7, 'AU12': 0.9})
    >>> draw_face_predictions(img, [face]).shape
    (120, 160, 3)
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmfer.structures.expressions import EXPRESSIONS, canonical_expression

Color = Tuple[int, int, int]

#: RGB colour of each canonical expression (:data:`EXPRESSIONS` order).
EXPRESSION_COLORS: Dict[str, Color] = dict(
    zip(
        EXPRESSIONS,
        [
            (200, 200, 200),  # neutral
            (255, 200, 0),  # happiness
            (60, 120, 255),  # sadness
            (255, 120, 255),  # surprise
            (160, 80, 255),  # fear
            (80, 200, 60),  # disgust
            (255, 50, 50),  # anger
            (255, 140, 60),  # contempt
            (0, 200, 200),  # anxiety
            (150, 110, 70),  # helplessness
            (120, 160, 120),  # disappointment
        ]))
#: Colour of names that are not canonical expressions.
OTHER_COLOR: Color = (0, 255, 0)
NO_FACE_COLOR: Color = (255, 60, 60)
TRACK_COLOR: Color = (70, 70, 70)  # the unfilled part of a bar
BAR_ON_COLOR: Color = (0, 230, 120)  # AU probability >= threshold
BAR_OFF_COLOR: Color = (150, 150, 150)  # AU probability < threshold
TEXT_COLOR: Color = (255, 255, 255)
LANDMARK_COLOR: Color = (0, 255, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def expression_color(name: Optional[str]) -> Color:
    """RGB colour of an expression name (any alias of a canonical name)."""
    if name is None:
        return OTHER_COLOR
    try:
        return EXPRESSION_COLORS[canonical_expression(name)]
    except (KeyError, ValueError):
        return OTHER_COLOR


def _check_image(image_rgb: np.ndarray) -> None:
    if not isinstance(image_rgb, np.ndarray) or image_rgb.ndim != 3 or \
            image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
        desc = (f'shape {image_rgb.shape} dtype {image_rgb.dtype}'
                if isinstance(image_rgb, np.ndarray) else
                type(image_rgb).__name__)
        raise ValueError(
            'draw_face_predictions needs an (H, W, 3) uint8 RGB image, got '
            f'{desc}; convert a gray frame with cv2.cvtColor(img, '
            'cv2.COLOR_GRAY2RGB) and a float image with '
            '(img * 255).astype(np.uint8)')


def _ordered(probs: Dict[str, float],
             names: Optional[Sequence[str]]) -> List[Tuple[str, float]]:
    """``probs`` as (name, prob) pairs, in ``names`` order if given (names
    missing from ``probs`` are skipped), else in the dict's order."""
    if names is None:
        return [(str(k), float(v)) for k, v in probs.items()]
    return [(str(n), float(probs[n])) for n in names if n in probs]


class _Style:
    """Sizes in pixels, scaled with the frame so that a 64 px crop and a
    1080p frame are both legible: ``unit`` is 1 up to 400 px (the shorter
    side), 2 up to 800 px, ..."""

    def __init__(self,
                 height: int,
                 width: int,
                 font_scale=None,
                 bar_length=None):
        unit = max(1, math.ceil(min(height, width) / 400))
        self.thickness = unit
        self.font_scale = font_scale or 0.4 * unit
        (_,
         self.ascent), self.descent = cv2.getTextSize('Ag', FONT,
                                                      self.font_scale,
                                                      self.thickness)
        self.text_h = self.ascent + self.descent
        self.bar_h = self.ascent + 1  # a bar as tall as a capital letter
        self.row_h = self.text_h + 1  # one bar row
        self.bar_length = bar_length or 50 * unit
        self.gap = 3 * unit
        self.radius = max(1, 2 * unit)

    def text_width(self, text: str) -> int:
        return cv2.getTextSize(text, FONT, self.font_scale,
                               self.thickness)[0][0]


def _label(img: np.ndarray, text: str, x: int, y: int, color: Color,
           style: _Style) -> None:
    """Text on a filled background whose top-left corner is (x, y)."""
    w = style.text_width(text) + 2 * style.gap
    h = style.text_h + style.gap
    cv2.rectangle(img, (x, y), (x + w, y + h), color, -1)
    # black on light backgrounds, white on dark ones
    ink = (0, 0, 0) if sum(color) > 380 else TEXT_COLOR
    cv2.putText(img, text, (x + style.gap, y + style.gap // 2 + style.ascent),
                FONT, style.font_scale, ink, style.thickness, cv2.LINE_AA)


def bar_fill_length(prob: float, bar_length: int) -> int:
    """Pixels filled in a bar of ``bar_length`` pixels: ``round(p * L)``,
    ``p`` clipped to [0, 1] (NaN draws nothing)."""
    if prob is None or not np.isfinite(prob):
        return 0
    return int(round(min(max(float(prob), 0.0), 1.0) * bar_length))


def _bars(img: np.ndarray, rows: List[Tuple[str, float]], x: int, y: int,
          style: _Style, fill: callable) -> None:
    """One row per (name, prob): the name right-aligned in a column, then a
    track of ``style.bar_length`` px filled over ``round(p * L)`` px.

    (x, y) is the top-left corner of the block; ``fill(name, p)`` gives the
    colour of the filled part.
    """
    name_w = max(style.text_width(n) for n, _ in rows)
    bar_x = x + name_w + style.gap
    for i, (name, prob) in enumerate(rows):
        top = y + i * style.row_h
        cv2.putText(img, name,
                    (x + name_w - style.text_width(name), top + style.ascent),
                    FONT, style.font_scale, TEXT_COLOR, style.thickness,
                    cv2.LINE_AA)
        cv2.rectangle(img, (bar_x, top),
                      (bar_x + style.bar_length - 1, top + style.bar_h - 1),
                      TRACK_COLOR, -1)
        n = bar_fill_length(prob, style.bar_length)
        if n > 0:
            cv2.rectangle(img, (bar_x, top),
                          (bar_x + n - 1, top + style.bar_h - 1),
                          fill(name, prob), -1)


def _darken(img: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """Halve the brightness of ``img[y0:y1, x0:x1]`` (clipped to the
    image), the backdrop that keeps white bar names legible on a photo."""
    h, w = img.shape[:2]
    x0, x1 = max(x0, 0), min(x1, w)
    y0, y1 = max(y0, 0), min(y1, h)
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] //= 2


def _panel_origin(box: Tuple[int, int, int, int], panel_w: int, panel_h: int,
                  shape: Tuple[int, int], gap: int) -> Tuple[int, int]:
    """Top-left corner of the bar panel: right of the box, else left of it,
    else below it, else (no side fits) right of the box shifted left into
    the frame; the top at the box's top, kept inside the frame."""
    h, w = shape
    x0, y0, x1, y1 = box
    top = max(min(y0, h - panel_h), 0)
    if x1 + gap + panel_w <= w:
        return x1 + gap, top
    if x0 - gap - panel_w >= 0:
        return x0 - gap - panel_w, top
    left = max(min(x0, w - panel_w), 0)
    if y1 + gap + panel_h <= h:
        return left, y1 + gap
    return max(min(x1 + gap, w - panel_w), 0), top


def _panel_width(rows: List[Tuple[str, float]], style: _Style) -> int:
    return max(style.text_width(n) for n, _ in rows) + style.gap + \
        style.bar_length


def draw_face_predictions(image_rgb: np.ndarray,
                          faces: Sequence[dict],
                          class_names: Optional[Sequence[str]] = None,
                          au_names: Optional[Sequence[str]] = None,
                          draw_landmarks: bool = True,
                          expression_bars: Optional[bool] = None,
                          au_threshold: float = 0.5,
                          font_scale: Optional[float] = None,
                          bar_length: Optional[int] = None) -> np.ndarray:
    """Annotate a frame with the faces found in it.

    Per face with ``success=True``:

    - the box, in the colour of the top expression
      (:data:`EXPRESSION_COLORS`; green without an expression);
    - above the box (inside it when the box touches the top), the top
      expression and its probability, e.g. ``happiness 0.87``;
    - the 5 landmarks as dots (NaN points, e.g. Haar's nose and mouth, are
      skipped) if ``draw_landmarks``;
    - a panel of horizontal bars beside the box (right of it, or left when
      it does not fit on the right): one per AU, filled over
      ``round(p * bar_length)`` pixels, green when ``p >= au_threshold``,
      grey below; with ``expression_bars`` the expression probabilities
      first, each in its expression's colour (by default only for a face
      without AU probabilities, e.g. of an expression-only model).

    Faces with ``success=False`` (a frame without a face) draw one red
    ``no face`` tag at the top-left corner of the frame.

    Args:
        image_rgb (np.ndarray): (H, W, 3) uint8 RGB frame; not modified.
        faces (Sequence[dict]): face results of one frame, as returned by
            :class:`mmfer.apis.FERInferencer`: ``success``, ``box``
            ([x0, y0, x1, y1] pixels or None), ``landmarks`` (5 [x, y] or
            None), ``expression`` (top name or None), ``expression_probs``
            (name -> prob or None), ``au_probs`` (AU name -> prob or None);
            other keys (``frame``, ``score``, ...) are ignored.
        class_names (Sequence[str], optional): which expressions the bars
            show and in what order; defaults to ``expression_probs``' order.
        au_names (Sequence[str], optional): which AUs, in what order;
            defaults to ``au_probs``' order.
        draw_landmarks (bool): draw the 5 points. Defaults to True.
        expression_bars (bool, optional): add the expression probabilities
            to the bar panel: True always, False never, None (default) when
            the face has no ``au_probs``.
        au_threshold (float): AU bars at or above it are green. Defaults to
            0.5 (:class:`~mmfer.evaluation.AUMetric`'s threshold).
        font_scale (float, optional): OpenCV font scale; defaults to 0.4 per
            400 px of the shorter image side (rounded up).
        bar_length (int, optional): full-bar length in pixels; defaults to
            50 per 400 px of the shorter side.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB, a new annotated copy.
    """
    _check_image(image_rgb)
    out = np.ascontiguousarray(image_rgb.copy())
    h, w = out.shape[:2]
    style = _Style(h, w, font_scale, bar_length)
    no_face = False
    for i, face in enumerate(faces):
        if 'success' not in face:
            raise KeyError(f'face result {i} has no "success" key (keys: '
                           f'{sorted(face)}); pass the dicts that '
                           'FERInferencer returns')
        if not face['success'] or face.get('box') is None:
            no_face = True
            continue
        _draw_face(out, face, style, class_names, au_names, draw_landmarks,
                   expression_bars, au_threshold)
    if no_face:
        _label(out, 'no face', 0, 0, NO_FACE_COLOR, style)
    return out


def _draw_face(img: np.ndarray, face: dict, style: _Style, class_names,
               au_names, draw_landmarks: bool, expression_bars: Optional[bool],
               au_threshold: float) -> None:
    w = img.shape[1]
    x0, y0, x1, y1 = (int(round(float(v))) for v in face['box'])  # pixels
    expr = face.get('expression')
    expr_probs = face.get('expression_probs')
    color = expression_color(expr)
    cv2.rectangle(img, (x0, y0), (x1 - 1, y1 - 1), color, style.thickness)

    if expr is not None:
        text = expr
        if expr_probs and expr in expr_probs:
            text = f'{expr} {float(expr_probs[expr]):.2f}'
        # above the box; inside its top when there is no room above; kept
        # inside the frame
        label_h = style.text_h + style.gap
        label_w = style.text_width(text) + 2 * style.gap
        top = y0 - label_h if y0 - label_h >= 0 else max(y0, 0)
        left = max(min(x0, w - label_w), 0)
        _label(img, text, left, top, color, style)

    if draw_landmarks and face.get('landmarks') is not None:
        for x, y in np.asarray(face['landmarks'], np.float64).reshape(-1, 2):
            if np.isfinite(x) and np.isfinite(y):
                cv2.circle(img, (int(round(x)), int(round(y))), style.radius,
                           LANDMARK_COLOR, -1, cv2.LINE_AA)

    au_rows = _ordered(face['au_probs'],
                       au_names) if face.get('au_probs') else []
    if expression_bars is None:
        expression_bars = not au_rows
    expr_rows = _ordered(expr_probs, class_names) if (expression_bars
                                                      and expr_probs) else []
    if not expr_rows and not au_rows:
        return
    panel_w = _panel_width(expr_rows + au_rows, style)
    rows = len(expr_rows) + len(au_rows)
    panel_h = rows * style.row_h + (style.gap if expr_rows and au_rows else 0)
    x, y = _panel_origin((x0, y0, x1, y1), panel_w, panel_h, img.shape[:2],
                         style.gap)
    _darken(img, x - style.gap, y - 1, x + panel_w + style.gap,
            y + panel_h + 1)
    if expr_rows:
        _bars(img, expr_rows, x, y, style,
              lambda name, p: expression_color(name))
        y += len(expr_rows) * style.row_h + style.gap
    if au_rows:
        # expression and AU names share one name column width
        _bars(
            img, au_rows, x + panel_w - _panel_width(au_rows, style), y, style,
            lambda name, p: BAR_ON_COLOR
            if p >= au_threshold else BAR_OFF_COLOR)
