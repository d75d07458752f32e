"""SynthFace bu3dfe / bosphorus / vtkfer / cczufer layouts: the real file
formats, read back by the scan readers, geometrically consistent with the
rendered depth; intensity levels scale the expression."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmfer.datasets.scans import read_bnt, read_vrml
from mmfer.datasets.synthface import LAYOUTS, generate_layout
from mmfer.datasets.synthface.constants import AU_INDEX
from mmfer.datasets.synthface.domains import resolve_domain
from mmfer.datasets.synthface.layouts.bosphorus import ZMIN
from mmfer.datasets.synthface.layouts.bu3dfe import (BU3DFE_CODES,
                                                     RACE_CODES)

S = 48


@pytest.fixture(scope='module')
def bu(tmp_path_factory):
    root = tmp_path_factory.mktemp('bu') / 'BU3DFE'
    generate_layout('bu3dfe', root, subjects=2, size=S, mesh_step=2,
                    verbose=False)
    return root


@pytest.fixture(scope='module')
def bs(tmp_path_factory):
    root = tmp_path_factory.mktemp('bs') / 'Bosphorus'
    generate_layout('bosphorus', root, subjects=1, size=S, grid_step=2,
                    verbose=False)
    return root


def _pixels(uv, size):
    """Texture coordinates (v up) -> integer pixel (row, col)."""
    col = np.rint(uv[:, 0] * size - 0.5).astype(int)
    row = np.rint((1.0 - uv[:, 1]) * size - 0.5).astype(int)
    return row, col


def test_bu3dfe_names_subjects_and_races(bu):
    w = LAYOUTS['bu3dfe'](dict(LAYOUTS['bu3dfe'].defaults))
    assert w.subject_ids(4) == ['F0001', 'M0001', 'F0002', 'M0002']
    with pytest.raises(ValueError, match='at most 100'):
        w.subject_ids(101)
    names = sorted(p.name for p in (bu / 'F0001').iterdir())
    assert len(names) == 2 * 25                   # (6 x 4 + NE00) x 2 files
    race = names[0][10:12]
    assert race in RACE_CODES
    stems = {n[:-8] for n in names}
    assert stems == {f'F0001_{c}{lv:02d}{race}' for c in BU3DFE_CODES
                     for lv in (1, 2, 3, 4)} | {f'F0001_NE00{race}'}
    assert all(n.endswith(('_F3D.wrl', '_F2D.bmp')) for n in names)
    with pytest.raises(ValueError, match='intensities'):
        generate_layout('bu3dfe', bu.parent / 'x', intensities=[5],
                        verbose=False)


def test_bu3dfe_vrml_is_textured_by_its_bmp_and_matches_the_render(bu):
    w = LAYOUTS['bu3dfe'](dict(LAYOUTS['bu3dfe'].defaults, size=S,
                               mesh_step=2, subjects=2))
    k = [s[:2] for s in w.scans()].index(('HA', 4))
    out, (code, level, expr) = w.render_scan(0, 'F0001', k)
    assert (code, level, expr) == ('HA', 4, 'happiness')
    wrl = next((bu / 'F0001').glob('F0001_HA04*_F3D.wrl'))
    mesh = read_vrml(str(wrl))
    # the texture is the F2D.bmp beside it: a real BMP of the render's size
    assert mesh.texture_url == wrl.name.replace('_F3D.wrl', '_F2D.bmp')
    with open(wrl.parent / mesh.texture_url, 'rb') as f:
        assert f.read(2) == b'BM'
    bmp = cv2.imread(str(wrl.parent / mesh.texture_url))
    assert bmp.shape == (S, S, 3)
    assert np.abs(bmp[..., ::-1].astype(int) - out['rgb']).max() == 0
    # every vertex sits on a face pixel; z = d - Z (toward the viewer)
    uv = mesh.tex_coords
    assert uv.min() > 0 and uv.max() < 1
    row, col = _pixels(uv, S)
    assert (out['parsing'][row, col] != 0).all()
    d = out['view']['camera_distance']
    np.testing.assert_allclose(mesh.vertices[:, 2],
                               d - out['depth'][row, col], atol=1e-4)
    # y up: a vertex higher in the image has a larger y
    top, bottom = np.argmin(row), np.argmax(row)
    assert mesh.vertices[top, 1] > mesh.vertices[bottom, 1]
    assert len(mesh.faces) > len(mesh.vertices)   # a triangulated surface


def test_bu3dfe_levels_scale_the_expression(bu):
    w = LAYOUTS['bu3dfe'](dict(LAYOUTS['bu3dfe'].defaults, size=S,
                               subjects=2))
    scans = [s[:2] for s in w.scans()]
    neutral, _ = w.render_scan(1, 'M0001', scans.index(('NE', 0)))
    assert neutral['au_int'].max() == 0
    subj = w.subject(1, 'M0001')
    view = dict(neutral['view'], yaw=0.0, pitch=0.0, roll=0.0)
    base = w.renderer.render(subj, None, w.domain, 0, view=view, noise=False)
    au12, shift = [], []
    for lv in (1, 2, 3, 4):
        out, _ = w.render_scan(1, 'M0001', scans.index(('HA', lv)))
        au12.append(out['au_int'][AU_INDEX[12]])
        # the level's AUs under one fixed view: the surface moves more
        same = w.renderer.render(subj, out['au_int'], w.domain, 0, view=view,
                                 noise=False)
        face = (same['parsing'] != 0) & (base['parsing'] != 0)
        shift.append(np.abs(same['depth'] - base['depth'])[face].mean())
    assert np.all(np.diff(au12) > 0) and au12[0] < 1.5 < au12[-1]
    assert np.all(np.diff(shift) > 0)


def test_bosphorus_bnt_png_lm3(bs):
    w = LAYOUTS['bosphorus'](dict(LAYOUTS['bosphorus'].defaults, size=S,
                                  grid_step=2, subjects=1))
    codes = [c for c, _, _ in w.scans()]
    assert codes[:6] == ['E_ANGER', 'E_DISGUST', 'E_FEAR', 'E_HAPPY',
                         'E_SADNESS', 'E_SURPRISE']
    assert {'N_N', 'YR_R10', 'LFAU_12'} <= set(codes)
    assert sorted(p.name for p in (bs / 'bs000').iterdir()) == sorted(
        f'bs000_{c}_0{e}' for c in codes for e in ('.bnt', '.png', '.lm3'))
    k = codes.index('E_SURPRISE')
    out, _ = w.render_scan(0, 'bs000', k)
    scan = read_bnt(str(bs / 'bs000' / 'bs000_E_SURPRISE_0.bnt'))
    assert scan.image_name == 'bs000_E_SURPRISE_0.png'
    assert (scan.rows, scan.cols) == (S // 2, S // 2) and scan.zmin == ZMIN
    png = cv2.imread(str(bs / 'bs000' / scan.image_name))
    assert png.shape == (S, S, 3)
    # grid point (i, j) is pixel (2i, 2j): valid exactly on the face,
    # z = -Z, u / v the pixel centres with v up
    face = out['parsing'][::2, ::2] != 0
    assert (scan.valid == face).all()
    np.testing.assert_allclose(scan.z[face], -out['depth'][::2, ::2][face],
                               atol=1e-4)
    row, col = _pixels(scan.uv(), S)
    ys, xs = np.nonzero(face)
    assert (row == 2 * ys).all() and (col == 2 * xs).all()
    # .lm3: header, "<K> landmarks:", then name / "x y z" line pairs
    lines = (bs / 'bs000' / 'bs000_E_SURPRISE_0.lm3').read_text().split('\n')
    assert lines[0].startswith('3D landmark points for')
    k_lm = int(lines[2].split()[0])
    pts = np.array([[float(v) for v in lines[4 + 2 * i].split()]
                    for i in range(k_lm)])
    assert k_lm > 30 and pts.shape == (k_lm, 3)
    # each landmark's z is the render's depth at its pixel (scan frame)
    lm = np.rint(out['landmarks']).astype(int)
    on_face = [(r, c) for c, r in lm
               if 0 <= r < S and 0 <= c < S and out['parsing'][r, c] != 0]
    assert len(on_face) == k_lm
    np.testing.assert_allclose(
        pts[:, 2], [-out['depth'][r, c] for r, c in on_face], atol=1e-3)


def test_bosphorus_yaw_distractor_is_rotated(bs):
    w = LAYOUTS['bosphorus'](dict(LAYOUTS['bosphorus'].defaults, size=S,
                                  subjects=1))
    codes = [c for c, _, _ in w.scans()]
    yr, _ = w.render_scan(0, 'bs000', codes.index('YR_R10'))
    nn, _ = w.render_scan(0, 'bs000', codes.index('N_N'))
    assert abs(yr['view']['yaw'] - 10.0) < 1e-9
    assert abs(nn['view']['yaw']) <= 2.0


def test_database_looks_differ():
    from mmfer.datasets.synthface.layouts.bosphorus import BOSPHORUS_DOMAIN
    from mmfer.datasets.synthface.layouts.bu3dfe import BU3DFE_DOMAIN
    from mmfer.datasets.synthface.layouts.rgbd_folder import (
        CCZUFER_DOMAIN, VTKFER_DOMAIN)
    doms = [resolve_domain(d) for d in (BU3DFE_DOMAIN, BOSPHORUS_DOMAIN,
                                        VTKFER_DOMAIN, CCZUFER_DOMAIN)]
    # dark 3dMD backdrop vs. light Bosphorus studio
    assert doms[0]['background_level'][1] < doms[1]['background_level'][0]
    # Kinect faces sit beyond the sensor's near limit; v1 is noisier
    assert doms[2]['camera_distance'][0] >= 800 and (
        doms[2]['depth_noise'] > doms[3]['depth_noise'] > doms[0][
            'depth_noise'])
    assert doms[3]['yaw'] > doms[2]['yaw']          # CCZU head deflections


def test_rgbd_layouts_write_rgb_and_uint16_mm(tmp_path):
    root = generate_layout('cczufer', tmp_path / 'cczu', subjects=1,
                           samples=1, size=32, verbose=False)
    rgb = cv2.imread(str(root / 'S01' / 'happiness' / '0000_rgb.png'))
    depth = cv2.imread(str(root / 'S01' / 'happiness' / '0000_depth.png'),
                       cv2.IMREAD_UNCHANGED)
    assert rgb.shape == (32, 32, 3) and depth.dtype == np.uint16
    assert osp.isfile(root / 'S01' / 'neutral' / '0000_depth.png')
    valid = depth[depth > 0]
    assert 600 < valid.min() < 1000 < 1500 < valid.max()


def test_scan_depth_image_correlates_with_the_render(bu, bs):
    """The depth fitted from the written scans (B1's scan_depth_image) is
    the rendered depth up to an offset."""
    scan_depth = pytest.importorskip('mmfer.datasets.scans.scan_depth')
    w = LAYOUTS['bu3dfe'](dict(LAYOUTS['bu3dfe'].defaults, size=S,
                               mesh_step=2, subjects=2))
    k = [s[:2] for s in w.scans()].index(('SU', 4))
    bu_out, _ = w.render_scan(0, 'F0001', k)
    wb = LAYOUTS['bosphorus'](dict(LAYOUTS['bosphorus'].defaults, size=S,
                                   grid_step=2, subjects=1))
    bs_out, _ = wb.render_scan(0, 'bs000', 5)                  # E_SURPRISE
    for path, out in (
            (next((bu / 'F0001').glob('F0001_SU04*_F3D.wrl')), bu_out),
            (bs / 'bs000' / 'bs000_E_SURPRISE_0.bnt', bs_out)):
        img = scan_depth.scan_file_depth_image(str(path), (S, S))
        face = out['parsing'] != 0
        fitted = face & np.isfinite(img)
        assert fitted.sum() > 0.8 * face.sum()
        r = np.corrcoef(img[fitted], out['depth'][fitted])[0, 1]
        assert r > 0.98, (path.name, r)
        # same shape in mm: the difference is (nearly) a constant offset
        diff = img[fitted] - out['depth'][fitted]
        assert np.median(np.abs(diff - np.median(diff))) < 1.0
