import numpy as np
import pytest

from mmfer.datasets.scans import (DEPTH_NEAR_MM, read_scan_points,
                                  scan_depth_image, write_bnt, write_vrml)
from mmfer.datasets.transforms import LoadScanDepth
from mmfer.registry import TRANSFORMS

U0, V0 = 0.625, 0.375  # the bump's texture coordinate


def face_scan(n=41, lo=0.2, hi=0.8):
    """A textured grid 'face': a paraboloid with a 10 mm bump at (U0, V0).

    The scan is sampled in a different frame than the texture (x, y in mm
    from an arbitrary origin), so only uv can align it with the image.
    """
    vs, us = np.mgrid[hi:lo:complex(0, n), lo:hi:complex(0, n)]
    bump = 10 * np.exp(-((us - U0)**2 + (vs - V0)**2) / 0.003)
    z = 40 - 60 * ((us - 0.5)**2 + (vs - 0.5)**2) + bump
    pts = np.stack([us * 150 - 70, vs * 150 - 20, z], -1).reshape(-1, 3)
    uv = np.stack([us, vs], -1).reshape(-1, 2)
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    faces = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3),
                            np.stack([b, c, d], -1).reshape(-1, 3)])
    return pts, uv, faces


@pytest.mark.parametrize('method', ['gridfit', 'linear'])
def test_bump_lands_at_its_texture_pixel(method):
    pts, uv, _ = face_scan()
    H, W = 48, 64
    depth = scan_depth_image(pts, uv, (H, W, 3), method=method)
    assert depth.shape == (H, W) and depth.dtype == np.float32
    r, c = np.unravel_index(np.nanargmin(depth), depth.shape)
    # pixel centre of (u, v): x = u W - 0.5, y = (1 - v) H - 0.5
    assert abs(c - (U0 * W - 0.5)) <= 1 and abs(r - ((1 - V0) * H - 0.5)) <= 1
    # nearest point at DEPTH_NEAR_MM, relative depth in mm preserved
    assert abs(np.nanmin(depth) - DEPTH_NEAR_MM) < 1.0
    centre = depth[int(0.5 * H), int(0.5 * W)]
    assert abs(centre - (DEPTH_NEAR_MM + pts[:, 2].max() - 40)) < 1.0
    # no depth outside the scan's texture footprint [0.2, 0.8]^2 (+ the
    # support radius: twice the point spacing, ~2 px here)
    assert np.isnan(depth[:int(0.2 * H) - 3]).all()
    assert np.isnan(depth[:, int(0.8 * W) + 3:]).all()
    assert np.isfinite(depth[int(0.25 * H):int(0.75 * H),
                             int(0.25 * W):int(0.75 * W)]).all()


def test_z_sign_and_face_box():
    pts, uv, _ = face_scan()
    flipped = pts * [1, 1, -1]
    d1 = scan_depth_image(pts, uv, (48, 64))
    d2 = scan_depth_image(flipped, uv, (48, 64), z_sign=-1)
    np.testing.assert_allclose(d1, d2, atol=1e-3)
    box = (32, 16, 56, 40)
    d3 = scan_depth_image(pts, uv, (48, 64), face_box=box)
    assert np.isnan(d3[:16]).all() and np.isnan(d3[:, :32]).all()
    assert np.isnan(d3[40:]).all() and np.isnan(d3[:, 56:]).all()
    assert np.isfinite(d3[20:36, 36:46]).all()
    r, c = np.unravel_index(np.nanargmin(d3), d3.shape)
    assert abs(c - 39.5) <= 1 and abs(r - 29.5) <= 1


def test_outline_concavity_is_background():
    pts, uv, _ = face_scan()
    keep = ~((uv[:, 0] > 0.5) & (uv[:, 1] < 0.5))  # an L-shaped scan
    d = scan_depth_image(pts[keep], uv[keep], (48, 64))
    hull = scan_depth_image(pts[keep], uv[keep], (48, 64), mask='hull')
    # the missing quadrant (u > 0.5, v < 0.5: right, bottom) stays empty
    # by default; the convex hull would extrapolate into half of it
    assert np.isnan(d[32:38, 40:48]).all() and np.isnan(d[28:31, 35:38]).all()
    assert np.isfinite(hull[28:31, 35:38]).all()
    assert np.isfinite(d[int(0.25 * 48):int(0.5 * 48) - 1,
                         int(0.25 * 64):int(0.75 * 64)]).all()


def test_v_down_convention():
    pts, uv, _ = face_scan()
    down = scan_depth_image(pts, uv * [1, -1] + [0, 1], (48, 64), v_up=False)
    np.testing.assert_allclose(down, scan_depth_image(pts, uv, (48, 64)),
                               atol=1e-3)
    flipped = scan_depth_image(pts, uv, (48, 64), v_up=False)
    r, c = np.unravel_index(np.nanargmin(flipped), flipped.shape)
    assert abs(r - (V0 * 48 - 0.5)) <= 1 and abs(c - (U0 * 64 - 0.5)) <= 1


def test_bad_scans():
    pts, uv, _ = face_scan()
    with pytest.raises(ValueError, match=r'F0003_SA02WH_F3D\.wrl: no face '
                       r'region: 0 of 1681'):
        scan_depth_image(pts, uv, (48, 64), face_box=(0, 0, 8, 8),
                         source='F0003_SA02WH_F3D.wrl')
    with pytest.raises(ValueError, match='scan.wrl: no texture coordinates'):
        scan_depth_image(pts, None, (48, 64), source='scan.wrl')
    with pytest.raises(ValueError, match='no point has texture coordinates'):
        scan_depth_image(pts, uv + 2, (48, 64))


def test_read_scan_points(tmp_path):
    pts, uv, faces = face_scan(9)
    wrl = str(tmp_path / 'F0001_AN01WH_F3D.wrl')
    write_vrml(wrl, pts, faces, uv, 'F0001_AN01WH_F2D.bmp')
    p, t = read_scan_points(wrl)
    np.testing.assert_allclose(p, pts, atol=1e-5)
    np.testing.assert_allclose(t, uv, atol=1e-5)
    bare = str(tmp_path / 'F0001_AN01WH_RAW.wrl')
    write_vrml(bare, pts, faces)
    with pytest.raises(ValueError, match=r'RAW\.wrl: the mesh has no texture'
                       r' coordinates .* re-export'):
        read_scan_points(bare)
    grid = [a.reshape(9, 9) for a in (*pts.T, *uv.T)]
    bnt = str(tmp_path / 'bs000_N_N_0.bnt')
    write_bnt(bnt, *grid, -1e9, 'bs000_N_N_0.png')
    p, t = read_scan_points(bnt)
    np.testing.assert_allclose(p, pts)
    with pytest.raises(ValueError, match=r'x\.obj: unknown scan format'):
        read_scan_points(str(tmp_path / 'x.obj'))


def test_load_scan_depth_transform(tmp_path):
    pts, uv, faces = face_scan()
    wrl = str(tmp_path / 'F0001_AN01WH_F3D.wrl')
    write_vrml(wrl, pts, faces, uv, 'F0001_AN01WH_F2D.bmp')
    t = TRANSFORMS.build(dict(type='LoadScanDepth'))
    assert isinstance(t, LoadScanDepth)
    assert repr(t) == ("LoadScanDepth(scan_key='scan_path', "
                       "method='gridfit', smoothness=1.0, mask='distance', "
                       "face_box_key=None, z_sign=1, v_up=True)")
    img = np.full((48, 64, 3), 100, np.uint8)
    results = dict(img=img, scan_path=wrl, modalities=('rgb', ),
                   channel_names=('R', 'G', 'B'), img_shape=(48, 64))
    out = t(results)
    assert out['img'].shape == (48, 64, 4) and out['img'].dtype == np.uint8
    np.testing.assert_array_equal(out['img'][..., :3], img)
    assert out['modalities'] == ('rgb', 'depth')
    assert out['channel_names'] == ('R', 'G', 'B', 'D')
    d = out['img'][..., 3]
    r, c = np.unravel_index(np.argmax(d), d.shape)  # nearest = brightest
    assert d[r, c] == 255 and abs(c - 39.5) <= 1 and abs(r - 29.5) <= 1
    assert d[0, 0] == 0 and d[24, 32] > 0  # background 0, face > 0


def test_transform_errors(tmp_path):
    t = LoadScanDepth()
    with pytest.raises(KeyError, match=r'LoadFaceModalities\(\("rgb",\)\)'):
        t(dict(scan_path='a.wrl'))
    with pytest.raises(KeyError, match='"scan_path"'):
        t(dict(img=np.zeros((4, 4, 3), np.uint8), modalities=('rgb', )))
    with pytest.raises(ValueError, match='method must be one of'):
        LoadScanDepth(method='nearest')
