"""Box helpers: the one margin definition, crops, fallback boxes."""
import numpy as np
import pytest

from mmfer.datasets.face import (border_value, box_from_mask, center_box,
                                 clip_crop, crop_pad, crop_resize,
                                 median_box, square_box)
from mmfer.structures.codecs import DEPTH_BACKGROUND_CODE


def test_margin_is_a_fraction_added_on_each_side():
    x0, y0, x1, y1 = square_box((0, 0, 100, 50), margin=0.1)
    assert x1 - x0 == pytest.approx(120) and y1 - y0 == pytest.approx(120)
    assert (x0 + x1) / 2 == 50 and (y0 + y1) / 2 == 25       # same centre
    assert square_box((0, 0, 10, 10)) == (0, 0, 10, 10)       # margin 0
    # integer boxes round each edge (the tools' boxes.json)
    assert square_box((10.2, 10.2, 30.6, 20.0), 0.0, integer=True) == (
        10, 5, 31, 25)
    with pytest.raises(ValueError, match='margin'):
        square_box((0, 0, 1, 1), -0.5)


def test_crop_pad_and_clip_crop():
    img = np.arange(30, dtype=np.uint16).reshape(5, 6)
    out = crop_pad(img, (-1, -1, 3, 2), fill=9)
    assert out.shape == (3, 4) and out.dtype == np.uint16
    assert (out[0] == 9).all() and (out[:, 0] == 9).all()
    np.testing.assert_array_equal(out[1:, 1:], img[:2, :3])
    assert clip_crop(img, (-1, -1, 3, 2)).shape == (2, 3)
    with pytest.raises(ValueError, match='empty'):
        crop_pad(img, (3, 3, 3, 5), 0)


def test_center_box_mask_box_median():
    assert center_box((48, 64)) == (20, 12, 44, 36)      # side min(H,W)//2
    mask = np.zeros((20, 20), bool)
    mask[2:5, 3:6] = True                                # small blob
    mask[8:18, 9:19] = True                              # largest
    assert box_from_mask(mask) == (9.0, 8.0, 19.0, 18.0)
    assert box_from_mask(np.zeros((4, 4))) is None
    assert median_box([(0, 0, 10, 10), (2, 2, 12, 12), (100, 0, 9, 9)]) == (
        2, 0, 10, 10)
    with pytest.raises(ValueError, match='at least one'):
        median_box([])


def test_crop_resize_per_modality():
    depth = np.full((40, 40), DEPTH_BACKGROUND_CODE, np.uint16)
    depth[10:30, 10:30] = 5000 + np.arange(400, dtype=np.uint16).reshape(
        20, 20)
    out = crop_resize(depth, (-10, -10, 30, 30), 16, 'depth')
    assert out.shape == (16, 16) and out.dtype == np.uint16
    assert np.isin(out, depth).all()                     # nearest
    assert out[0, 0] == DEPTH_BACKGROUND_CODE            # padded border
    thermal = np.full((20, 20), 2500, np.uint16)
    thermal[5:15, 5:15] = 3600
    assert border_value('thermal', thermal) == 2500      # median border
    assert border_value('depth', np.zeros((2, 2), np.float32)) == 1500.0
    assert border_value('parsing', thermal) == 0
    rgb = np.full((20, 20, 3), 200, np.uint8)
    up = crop_resize(rgb, (-4, 0, 16, 20), 40, 'rgb')
    assert up.shape == (40, 40, 3) and (up[:, :4] == 0).all()
    with pytest.raises(ValueError, match='Unknown modality'):
        crop_resize(rgb, (0, 0, 4, 4), 8, 'ir')
