"""Derived modalities: LBP (CM-CNN Eq. 2), HOG and Gabor maps, gray
conversion and channel-group selection."""
import importlib.util

import cv2
import numpy as np
import pytest

from mmfer.datasets.transforms import (ComputeTexture, ConvertToGray,
                                       SelectModalities, gabor_map, hog_map,
                                       lbp_codes, lbp_codes_bruteforce)
from mmfer.datasets.transforms.texture import LBP_OFFSETS
from mmfer.registry import TRANSFORMS
from mmfer.structures.modalities import MODALITIES

HAS_SKIMAGE = importlib.util.find_spec('skimage') is not None


@pytest.mark.parametrize('shape,high', [((1, 1), 256), ((1, 6), 4),
                                        ((5, 1), 4), ((7, 9), 3),
                                        ((16, 13), 256), ((2, 2), 2)])
def test_lbp_vectorised_matches_bruteforce(shape, high):
    """Random images, small value ranges for many ties, borders
    included (every pixel of a 1 x 1 / 1 x N image is a border pixel)."""
    rng = np.random.default_rng(sum(shape) + high)
    for _ in range(3):
        img = rng.integers(0, high, shape).astype(np.uint8)
        np.testing.assert_array_equal(lbp_codes(img),
                                      lbp_codes_bruteforce(img))
    flt = rng.normal(size=shape).round(1)                 # float, ties
    np.testing.assert_array_equal(lbp_codes(flt), lbp_codes_bruteforce(flt))


def test_lbp_hand_checked_3x3():
    img = np.array([[10, 20, 30], [40, 25, 25], [5, 60, 24]], np.uint8)
    codes = lbp_codes(img)
    assert codes.dtype == np.uint8 and codes.shape == (3, 3)
    # centre 25: top-right 30 (bit 2), right 25 (tie, bit 3), bottom 60
    # (bit 5), left 40 (bit 7): 4 + 8 + 32 + 128
    assert codes[1, 1] == 172
    # (0, 2) = 30, edge-replicated: itself above/top-right/right (bits
    # 1, 2, 3), every real neighbour smaller
    assert codes[0, 2] == 2 + 4 + 8
    # (1, 0) = 40: bottom-right 60 (bit 4), the replicated left 40 (bit 7)
    assert codes[1, 0] == 16 + 128
    assert codes[0, 0] == codes[2, 0] == 255      # local minima
    # one brighter neighbour at a time gives its bit: the bit order
    for bit, (dy, dx) in enumerate(LBP_OFFSETS):
        one = np.zeros((3, 3), np.uint8)
        one[1, 1] = 5
        one[1 + dy, 1 + dx] = 9
        assert lbp_codes(one)[1, 1] == 2**bit
    assert LBP_OFFSETS[0] == (-1, -1) and LBP_OFFSETS[3] == (0, 1)


def test_lbp_invariant_to_gray_shift_and_channel_axis():
    """Eq. (2) depends on signs of differences only."""
    rng = np.random.default_rng(1)
    img = rng.integers(0, 200, (20, 24)).astype(np.uint8)
    np.testing.assert_array_equal(lbp_codes(img), lbp_codes(img + 40))
    np.testing.assert_array_equal(lbp_codes(img), lbp_codes(img[..., None]))
    with pytest.raises(ValueError, match='ConvertToGray'):
        lbp_codes(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match='method'):
        lbp_codes(img, method='circular')


@pytest.mark.skipif(HAS_SKIMAGE, reason='scikit-image is installed')
def test_lbp_skimage_variants_need_scikit_image():
    for method in ('ror', 'uniform', 'nri_uniform', 'var'):
        with pytest.raises(ImportError, match='pip install scikit-image'):
            lbp_codes(np.zeros((4, 4), np.uint8), method=method)
    with pytest.raises(ImportError, match='pip install scikit-image'):
        ComputeTexture('lbp', method='uniform')            # at build time


@pytest.mark.skipif(not HAS_SKIMAGE, reason='scikit-image not installed')
def test_lbp_skimage_variants_ranges():
    img = np.random.default_rng(0).integers(0, 255, (16, 16)).astype(
        np.uint8)
    assert lbp_codes(img, 'uniform').max() <= 9
    assert lbp_codes(img, 'nri_uniform').max() <= 58
    assert lbp_codes(img, 'ror').dtype == np.uint8


def _edge(shape=(32, 96), col=48, low=40, high=200):
    img = np.full(shape, low, np.uint8)
    img[:, col:] = high
    return img


@pytest.mark.parametrize('func', [hog_map, gabor_map])
def test_hog_and_gabor_respond_to_an_edge(func):
    img = _edge()
    out = func(img)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert out.max() == 255                       # scaled by its own max
    cols = out.mean(0)                            # (W,)
    assert int(np.argmax(cols)) in range(45, 52)  # at the edge
    # nothing on flat gray beyond the support (Gabor's largest kernel
    # reaches 27 px: 3 sigma, sigma = 0.56 * 16)
    assert cols[:16].max() < 0.05 * cols.max()
    assert cols[-16:].max() < 0.05 * cols.max()
    np.testing.assert_array_equal(func(np.full((32, 32), 90, np.uint8)), 0)
    # a horizontal edge gives the transposed map (orientation-complete)
    t = func(img.T).astype(int)
    assert np.abs(t - out.T.astype(int)).max() <= 2


def test_hog_map_follows_its_definition():
    """Dominant-bin magnitude sum over an 8 x 8 window (checked by hand on
    one pixel with numpy)."""
    rng = np.random.default_rng(3)
    img = cv2.GaussianBlur(rng.integers(0, 255, (32, 32)).astype(np.uint8),
                           (5, 5), 1.5)
    g = img.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.hypot(gx, gy)
    b = np.minimum((np.mod(np.degrees(np.arctan2(gy, gx)), 180) / 20)
                   .astype(int), 8)
    ref = np.zeros((32, 32))
    for y in range(4, 28):
        for x in range(4, 28):
            win = (slice(y - 4, y + 4), slice(x - 4, x + 4))
            ref[y, x] = np.bincount(b[win].ravel(), mag[win].ravel(),
                                    9).max()
    out = hog_map(img).astype(float)
    inner = (slice(4, 28), ) * 2
    # one scale (255 / the whole map's maximum) for every pixel
    k = out[inner].sum() / ref[inner].sum()
    np.testing.assert_allclose(out[inner], k * ref[inner], atol=1.01)
    assert 255 / k >= ref.max() - 1e-3
    with pytest.raises(ValueError, match='bins'):
        hog_map(img, bins=0)


def _sample(*groups):
    """Results with an img stacked from (modality, (H, W, c)) pairs."""
    names = tuple(m for m, _ in groups)
    return dict(img=np.concatenate([a for _, a in groups], 2),
                modalities=names, img_path='subj/frame_007.png')


def test_convert_to_gray_is_bt601_and_updates_keys():
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[0, 1] = (0, 255, 0)
    rgb[0, 2] = (0, 0, 255)
    depth = np.full((2, 3, 1), 7, np.uint8)
    out = ConvertToGray()(_sample(('rgb', rgb), ('depth', depth)))
    assert out['modalities'] == ('gray', 'depth')
    assert out['channel_names'] == ('Y', 'D')
    assert out['img'][0, :, 0].tolist() == [76, 150, 29]   # .299/.587/.114
    assert (out['img'][..., 1] == 7).all()
    kept = ConvertToGray(keep_rgb=True)(_sample(('rgb', rgb), ('depth',
                                                                depth)))
    assert kept['modalities'] == ('rgb', 'gray', 'depth')
    assert kept['img'].shape == (2, 3, 5)
    assert repr(ConvertToGray()) == 'ConvertToGray(keep_rgb=False)'
    with pytest.raises(ValueError, match='frame_007.png'):
        ConvertToGray()(_sample(('depth', depth)))
    with pytest.raises(ValueError, match='4 channels'):   # wrong stack
        ConvertToGray()(dict(img=np.zeros((2, 2, 3), np.uint8),
                             modalities=('rgb', 'depth')))


@pytest.mark.parametrize('kind', ['lbp', 'hog', 'gabor'])
def test_compute_texture_appends_one_channel(kind):
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 255, (24, 24, 1)).astype(np.uint8)
    depth = np.full((24, 24, 1), 3, np.uint8)
    t = TRANSFORMS.build(dict(type='ComputeTexture', kind=kind))
    out = t(_sample(('gray', gray), ('depth', depth)))
    assert out['modalities'] == ('gray', 'depth', kind)
    assert out['channel_names'] == ('Y', 'D', MODALITIES[kind]
                                    .channel_names[0])
    assert out['img'].shape == (24, 24, 3) and out['img'].dtype == np.uint8
    np.testing.assert_array_equal(out['img'][..., :2],
                                  np.concatenate([gray, depth], 2))
    ref = dict(lbp=lbp_codes, hog=hog_map, gabor=gabor_map)[kind](gray)
    np.testing.assert_array_equal(out['img'][..., 2], ref)
    assert repr(t) == f"ComputeTexture(kind='{kind}', source='gray')"
    with pytest.raises(ValueError, match='already'):
        t(out)


def test_compute_texture_errors_and_params():
    t = ComputeTexture('hog', bins=6, cell=4)
    assert repr(t) == "ComputeTexture(kind='hog', source='gray', bins=6, " \
        'cell=4)'
    with pytest.raises(ValueError, match='ConvertToGray'):
        ComputeTexture('lbp')(_sample(('rgb', np.zeros((4, 4, 3),
                                                       np.uint8))))
    with pytest.raises(ValueError, match="'lbp', 'hog', 'gabor'"):
        ComputeTexture('sift')
    with pytest.raises(TypeError, match="'bins', 'cell', 'signed'"):
        ComputeTexture('hog', orientations=8)
    with pytest.raises(ValueError, match='one-channel'):
        ComputeTexture('lbp', source='rgb')


def test_select_modalities_reorders_groups():
    gray = np.full((4, 4, 1), 1, np.uint8)
    depth = np.full((4, 4, 1), 2, np.uint8)
    lbp = np.full((4, 4, 1), 3, np.uint8)
    rgb = np.full((4, 4, 3), 9, np.uint8)
    res = _sample(('rgb', rgb), ('gray', gray), ('depth', depth),
                  ('lbp', lbp))
    out = SelectModalities()(res)
    assert out['modalities'] == ('gray', 'lbp', 'depth')
    assert out['channel_names'] == ('Y', 'L', 'D')
    assert out['img'][0, 0].tolist() == [1, 3, 2]
    assert repr(SelectModalities(('depth', ))) == \
        "SelectModalities(modalities=('depth',))"
    with pytest.raises(ValueError,
                       match=r"frame_007.png has no \['thermal'\]"):
        SelectModalities(('gray', 'thermal'))(out)
    with pytest.raises(ValueError, match='distinct names'):
        SelectModalities(('gray', 'gray'))


def test_modality_table_has_hog_and_gabor():
    for name in ('hog', 'gabor'):
        row = MODALITIES[name]
        assert row.channels == 1 and row.derived_from == 'gray'
        assert row.interpolation == 'bilinear' and row.path_key is None
