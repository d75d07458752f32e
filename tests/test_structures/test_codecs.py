"""Depth / thermal file encodings shared by renderer, loaders and tools."""
import numpy as np
import pytest

from mmfer.structures.codecs import (DEPTH_BACKGROUND_CODE,
                                     DEPTH_BACKGROUND_MM,
                                     decode_depth, decode_thermal,
                                     depth_code_foreground, depth_to_uint8,
                                     encode_depth, encode_thermal, get_codec)


def test_depth_roundtrip_and_background():
    d = np.array([[612.34, 0.04, 7000.0],
                  [DEPTH_BACKGROUND_MM, 1499.4, np.inf],
                  [np.nan, 1600.0, 1.0]], np.float32)
    code = encode_depth(d)
    assert code.dtype == np.uint16
    np.testing.assert_array_equal(code, [[6123, 1, DEPTH_BACKGROUND_CODE],
                                         [DEPTH_BACKGROUND_CODE, 14994,
                                          DEPTH_BACKGROUND_CODE],
                                         [DEPTH_BACKGROUND_CODE,
                                          DEPTH_BACKGROUND_CODE, 10]])
    back = decode_depth(code)
    assert back.dtype == np.float32
    fg = np.isfinite(d) & (d < DEPTH_BACKGROUND_MM - 0.5)
    # foreground within half a code (0.05 mm); 0.04 mm is clipped to code 1
    assert np.abs(back[fg] - np.maximum(d[fg], 0.1)).max() <= 0.05 + 1e-4
    assert (back[~fg] == DEPTH_BACKGROUND_MM).all()
    # encoding the decoded map again is exact
    np.testing.assert_array_equal(encode_depth(back), code)


def test_depth_zero_is_no_return():
    code = np.array([[0, 1, 65534, 65535]], np.uint16)
    back = decode_depth(code)
    assert np.isnan(back[0, 0])
    np.testing.assert_allclose(back[0, 1:], [0.1, 6553.4, 1500.0])
    np.testing.assert_array_equal(depth_code_foreground(code),
                                  [[False, True, True, False]])


def test_depth_to_uint8_near_is_bright():
    d = np.array([[500.0, 600.0, DEPTH_BACKGROUND_MM]])
    np.testing.assert_array_equal(depth_to_uint8(d), [[255, 1, 0]])
    assert (depth_to_uint8(np.full((2, 2), DEPTH_BACKGROUND_MM)) == 0).all()


def test_thermal_centi_degrees():
    t = np.array([[36.543, 20.0, -1.0, 700.0]])
    code = encode_thermal(t)
    assert code.dtype == np.uint16
    np.testing.assert_array_equal(code, [[3654, 2000, 0, 65535]])
    np.testing.assert_allclose(decode_thermal(code),
                               [[36.54, 20.0, 0.0, 655.35]], atol=1e-4)


def test_codec_lookup():
    assert get_codec('depth_u16').encode is encode_depth
    assert get_codec('thermal_u16').dtype is np.uint16
    labels = np.array([[0, 3]], np.uint8)
    np.testing.assert_array_equal(get_codec('label_u8').decode(labels),
                                  labels)
    with pytest.raises(ValueError, match=r"Unknown codec 'png'.*depth_u16"):
        get_codec('png')
