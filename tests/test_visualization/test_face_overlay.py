import numpy as np
import pytest

from mmfer.visualization import draw_face_predictions, expression_color
from mmfer.visualization.face_overlay import (BAR_OFF_COLOR, BAR_ON_COLOR,
                                              NO_FACE_COLOR, TRACK_COLOR)


def face(box=(40, 30, 100, 110), **kw):
    result = dict(source='frame.png',
                  frame=0,
                  timestamp=0.0,
                  face_id=0,
                  success=True,
                  box=None if box is None else list(box),
                  score=0.99,
                  landmarks=None,
                  expression_probs=None,
                  expression=None,
                  au_probs=None,
                  has_audio=False)
    result.update(kw)
    return result


def color_mask(img, color):
    return np.all(img == np.array(color, np.uint8), axis=-1)


def bar_rows(img, colors):
    """Row index -> filled length of the bars drawn in ``colors``."""
    mask = np.zeros(img.shape[:2], bool)
    for c in colors:
        mask |= color_mask(img, c)
    lengths = mask.sum(1)
    return lengths


def test_box_outline_in_expression_color():
    img = np.zeros((160, 200, 3), np.uint8)
    out = draw_face_predictions(img, [
        face(expression='happiness',
             expression_probs=dict(happiness=0.9, neutral=0.1))
    ])
    color = expression_color('happiness')
    assert color == expression_color('Happy')  # aliases share a colour
    on = color_mask(out, color)
    # the outline: left and right columns of the box, bottom row
    assert on[40:110, 40].all() and on[40:110, 99].all()
    assert on[109, 40:100].all()
    # the inside stays untouched, and so does the far corner of the frame
    assert not out[45:105, 45:95].any()
    assert not out[150:, 150:].any()
    # the label above the box has the expression colour as background
    assert on[5:29, 40:60].any()


def test_input_not_modified_and_copy_returned():
    img = np.random.RandomState(0).randint(0, 255, (96, 128, 3), np.uint8)
    before = img.copy()
    out = draw_face_predictions(img, [
        face(box=(10, 10, 60, 80),
             expression='anger',
             expression_probs=dict(anger=1.0),
             au_probs=dict(AU4=0.8),
             landmarks=[[20, 30], [40, 30], [30, 45], [22, 60], [38, 60]])
    ])
    np.testing.assert_array_equal(img, before)
    assert out is not img and out.shape == img.shape and out.dtype == np.uint8
    assert (out != img).any()


def test_au_bar_length_proportional_to_probability():
    img = np.zeros((200, 300, 3), np.uint8)
    out = draw_face_predictions(
        img, [face(au_probs=dict(AU1=0.25, AU12=1.0, AU4=0.0))], bar_length=80)
    lengths = bar_rows(out, [BAR_ON_COLOR, BAR_OFF_COLOR])
    filled = sorted(set(lengths[lengths > 0]))
    # AU1: grey (below 0.5) 20 px, AU12: green 80 px; AU4 draws no fill
    assert filled == [20, 80]
    assert color_mask(out, BAR_OFF_COLOR).sum(1).max() == 20
    assert color_mask(out, BAR_ON_COLOR).sum(1).max() == 80
    # every bar has a full-length track (filled part + the rest)
    track = bar_rows(out, [BAR_ON_COLOR, BAR_OFF_COLOR, TRACK_COLOR])
    assert set(track[track > 0]) == {80}
    # three rows of bars, in au_probs order: AU1 above AU12
    rows_off = np.flatnonzero(color_mask(out, BAR_OFF_COLOR).any(1))
    rows_on = np.flatnonzero(color_mask(out, BAR_ON_COLOR).any(1))
    assert rows_off.max() < rows_on.min()
    # the panel is right of the box
    cols = np.flatnonzero(color_mask(out, BAR_ON_COLOR).any(0))
    assert cols.min() > 100


def test_au_names_select_and_order_bars():
    img = np.zeros((200, 300, 3), np.uint8)
    out = draw_face_predictions(
        img, [face(au_probs=dict(AU1=0.25, AU12=1.0, AU4=0.75))],
        au_names=['AU12', 'AU1'],
        bar_length=40)
    on = color_mask(out, BAR_ON_COLOR).sum(1)
    off = color_mask(out, BAR_OFF_COLOR).sum(1)
    assert set(on[on > 0]) == {40}  # AU4 (0.75 -> 30 px) is not drawn
    assert set(off[off > 0]) == {10}
    assert np.flatnonzero(on).max() < np.flatnonzero(off).min()


def test_expression_bars_in_class_colors():
    img = np.zeros((200, 300, 3), np.uint8)
    probs = dict(neutral=0.5, sadness=0.25, anger=0.25)
    out = draw_face_predictions(
        img, [face(expression='neutral', expression_probs=probs)],
        class_names=['anger', 'neutral'],
        expression_bars=True,
        bar_length=40)
    anger = color_mask(out, expression_color('anger')).sum(1)
    assert set(anger[anger > 0]) == {10}
    assert not color_mask(out, expression_color('sadness')).any()


def test_no_face_tag_top_left():
    img = np.zeros((120, 160, 3), np.uint8)
    out = draw_face_predictions(img, [face(box=None, success=False)])
    red = color_mask(out, NO_FACE_COLOR)
    ys, xs = np.nonzero(red)
    assert ys.min() == 0 and xs.min() == 0
    assert ys.max() < 30 and xs.max() < 80
    assert not out[40:, :].any()  # nothing else is drawn


def test_face_near_border_clipped():
    img = np.zeros((100, 120, 3), np.uint8)
    # box leaves the frame at the top-right; bars do not fit on the right
    out = draw_face_predictions(img, [
        face(box=(70, -20, 130, 50),
             expression='surprise',
             expression_probs=dict(surprise=0.6),
             au_probs=dict(AU1=1.0, AU2=0.5),
             landmarks=[[80, 5], [110, 5], [np.nan, np.nan], [85, 30],
                        [105, 30]])
    ],
                                bar_length=30)
    assert out.shape == img.shape
    on = color_mask(out, BAR_ON_COLOR)
    # the panel moved left of the box, full 30 px bars
    cols = np.flatnonzero(on.any(0))
    assert cols.max() < 70
    assert on.sum(1).max() == 30
    # the label moved inside the box when there is no room above it
    assert color_mask(out, expression_color('surprise'))[0:10, 72:90].any()


def test_face_fully_outside_does_not_fail():
    img = np.zeros((50, 50, 3), np.uint8)
    out = draw_face_predictions(
        img, [face(box=(200, 200, 260, 260), au_probs=dict(AU1=1.0))])
    assert not out.any()


def test_bad_inputs_clear_messages():
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8.*GRAY2RGB'):
        draw_face_predictions(np.zeros((10, 10), np.uint8), [])
    with pytest.raises(ValueError, match='float32'):
        draw_face_predictions(np.zeros((10, 10, 3), np.float32), [])
    with pytest.raises(KeyError, match='face result 0 has no "success"'):
        draw_face_predictions(np.zeros((10, 10, 3), np.uint8), [dict()])


def test_expression_bars_default_only_without_aus():
    img = np.zeros((200, 300, 3), np.uint8)
    probs = dict(anger=0.5, neutral=0.5)
    anger = expression_color('anger')
    # an expression-only model: its distribution as bars (20 of 40 px)
    out = draw_face_predictions(
        img, [face(expression='neutral', expression_probs=probs)],
        bar_length=40)
    lengths = color_mask(out, anger).sum(1)
    assert set(lengths[lengths > 0]) == {20}
    # with AU probabilities only the AU bars, unless asked for
    with_aus = face(expression='neutral',
                    expression_probs=probs,
                    au_probs=dict(AU1=1.0))
    out = draw_face_predictions(img, [with_aus], bar_length=40)
    assert not color_mask(out, anger).any()
    out = draw_face_predictions(img, [with_aus],
                                bar_length=40,
                                expression_bars=True)
    assert color_mask(out, anger).sum(1).max() == 20
    assert color_mask(out, BAR_ON_COLOR).sum(1).max() == 40
    out = draw_face_predictions(img, [face(expression_probs=probs)],
                                expression_bars=False)
    assert not color_mask(out, anger).any()


def test_panel_below_box_when_no_side_fits():
    img = np.zeros((200, 160, 3), np.uint8)
    out = draw_face_predictions(
        img, [face(box=(40, 20, 120, 100), au_probs=dict(AU12=1.0, AU6=.5))],
        bar_length=60)
    on = color_mask(out, BAR_ON_COLOR)
    ys, xs = np.nonzero(on)
    assert ys.min() > 100  # under the box
    assert on.sum(1).max() == 60  # not shortened
    assert xs.max() < 160
