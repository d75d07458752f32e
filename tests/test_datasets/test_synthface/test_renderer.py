"""Renderer behaviour: determinism, ranges, alignment, AU locality."""
import ast
import sys
from pathlib import Path

import numpy as np
import pytest

from mmfer.datasets.synthface import (DEPTH_BACKGROUND_MM, ESGM_GROUPS,
                                      LANDMARK_NAMES, PARSING_CLASSES,
                                      SynthFaceRenderer, decode_depth,
                                      decode_thermal, depth_to_uint8,
                                      encode_depth, encode_thermal,
                                      prototype_intensities, sample_subject)
from mmfer.datasets.synthface.canvas import VIEW_CENTER_Y

P = {n: i for i, n in enumerate(PARSING_CLASSES)}
LM = {n: i for i, n in enumerate(LANDMARK_NAMES)}
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope='module')
def r64():
    return SynthFaceRenderer(64)


@pytest.fixture(scope='module')
def r112():
    return SynthFaceRenderer(112)


def find_subject(pred, **kw):
    for i in range(200):
        s = sample_subject(0, i, **kw)
        if pred(s):
            return s
    raise AssertionError('no subject matches')


def rows_where(renderer, cond):
    """Boolean (S,) over image rows from a condition on face-unit y."""
    cv = renderer.canvas
    return cond(cv.ys)


def test_bad_size():
    with pytest.raises(ValueError, match='>= 32'):
        SynthFaceRenderer(16)


def test_determinism(r64):
    s = sample_subject(3, 1)
    au = prototype_intensities('happiness')
    a = r64.render(s, au, 'wild', 7)
    b = r64.render(s, au, 'wild', 7)
    c = r64.render(s, au, 'wild', 8)
    for k in ('rgb', 'depth', 'thermal', 'parsing', 'landmarks'):
        assert np.array_equal(a[k], b[k]), k
    assert not np.array_equal(a['rgb'], c['rgb'])
    assert sample_subject(3, 1) == s and sample_subject(4, 1) != s


@pytest.mark.parametrize('size', [64, 112, 224])
def test_shapes_and_ranges(size):
    s = find_subject(lambda s: s.hair_style != 'bald', glasses=True)
    out = SynthFaceRenderer(size).render(s, {25: 2.0, 12: 1.0}, 'lab', 0)
    rgb, depth, th, par = (out['rgb'], out['depth'], out['thermal'],
                           out['parsing'])
    assert rgb.shape == (size, size, 3) and rgb.dtype == np.uint8
    assert depth.shape == (size, size) and depth.dtype == np.float32
    assert th.dtype == np.float32 and par.dtype == np.uint8
    assert out['landmarks'].shape == (len(LANDMARK_NAMES), 2)
    bg = par == 0
    assert np.all(depth[bg] == DEPTH_BACKGROUND_MM)
    assert np.all(depth[~bg] < 800) and np.all(depth[~bg] > 350)
    assert par.max() < len(PARSING_CLASSES)
    assert set(np.unique(par)) == set(range(len(PARSING_CLASSES)))
    skin = par == P['skin']
    assert 31 < np.median(th[skin]) < 37
    assert 17 < np.median(th[bg]) < 27
    assert th.min() > 10 and th.max() < 40


def test_esgm_groups_cover_face_classes():
    grouped = {c for g in ESGM_GROUPS.values() for c in g}
    assert grouped == set(PARSING_CLASSES) - {'background', 'hair', 'glasses'}
    assert set(ESGM_GROUPS) == {'nose', 'eye', 'brow', 'mouth', 'lip', 'skin'}


@pytest.mark.parametrize('domain', ['clean', 'lab', 'wild'])
def test_alignment(r112, domain):
    s = sample_subject(0, 2)
    view = dict(yaw=25.0, pitch=-10.0, roll=8.0) if domain == 'wild' else {}
    out = r112.render(s, prototype_intensities('surprise'), domain, 3,
                      view_overrides=view)
    par, depth = out['parsing'], out['depth']
    assert np.array_equal(par == 0, depth == DEPTH_BACKGROUND_MM)
    # Landmarks fall on their classes after the warp.
    for name, cls in (('nose_tip', 'nose'), ('left_eye_pupil', 'left_eye'),
                      ('right_eye_pupil', 'right_eye')):
        x, y = np.rint(out['landmarks'][LM[name]]).astype(int)
        win = par[y - 1:y + 2, x - 1:x + 2]
        assert (win == P[cls]).any(), (name, domain)
    # The nose is the nearest part of the face to the camera.
    assert depth[par == P['nose']].min() <= depth[par != 0].min() + 1.0


def test_eyes_darker_than_skin(r112):
    s = find_subject(lambda s: np.mean(s.skin_rgb) > 0.65)
    out = r112.render(s, None, 'clean', 0, noise=False)
    gray = out['rgb'].mean(-1)
    eyes = np.isin(out['parsing'], (P['left_eye'], P['right_eye']))
    assert gray[eyes].mean() < gray[out['parsing'] == P['skin']].mean()


def test_pose_moves_everything_together(r112):
    s = sample_subject(0, 4)
    a = r112.render(s, None, 'clean', 0, view_overrides=dict(yaw=-25.0))
    b = r112.render(s, None, 'clean', 0, view_overrides=dict(yaw=25.0))
    assert not np.array_equal(a['parsing'], b['parsing'])
    for o in (a, b):
        assert np.array_equal(o['parsing'] == 0,
                              o['depth'] == DEPTH_BACKGROUND_MM)
    # Yaw turns one side of the face away: mean depth difference flips.
    def side_gap(o):
        fg = o['parsing'] != 0
        cols = np.nonzero(fg.any(0))[0]
        mid = (cols[0] + cols[-1]) // 2
        d = np.where(fg, o['depth'], np.nan)
        return np.nanmean(d[:, :mid]) - np.nanmean(d[:, mid:])
    assert np.sign(side_gap(a)) == -np.sign(side_gap(b))


def render_pair(r, s, au_on, au_off):
    a = r.render(s, au_on, 'clean', 5, noise=False)
    b = r.render(s, au_off, 'clean', 5, noise=False)
    return a, b


def test_au12_lip_corners_and_locality(r112):
    s = sample_subject(0, 5)
    on, off = render_pair(r112, s, {12: 4.0}, {})
    for n in ('mouth_left', 'mouth_right'):
        assert on['landmarks'][LM[n], 1] < off['landmarks'][LM[n], 1] - 1
    # Corners move out too.
    w_on = np.diff(on['landmarks'][[LM['mouth_left'], LM['mouth_right']], 0])
    w_off = np.diff(off['landmarks'][[LM['mouth_left'], LM['mouth_right']],
                                     0])
    assert w_on > w_off
    # The depth surface changes around the lip corners ...
    x, y = np.rint(on['landmarks'][LM['mouth_right']]).astype(int)
    assert np.abs(on['depth'][y - 4:y + 5, x - 4:x + 5] -
                  off['depth'][y - 4:y + 5, x - 4:x + 5]).max() > 0.5
    # ... and nothing changes in the upper third of the face.
    upper = rows_where(r112, lambda y: y < -0.3)
    for k in ('rgb', 'depth', 'thermal', 'parsing'):
        assert np.array_equal(on[k][upper], off[k][upper]), k


def test_au1_au2_locality_and_brows(r112):
    s = sample_subject(0, 6)
    on, off = render_pair(r112, s, {1: 4.0, 2: 4.0}, {})
    brow = [LM[f'{side}_brow_{i}'] for side in ('left', 'right')
            for i in range(5)]
    assert (on['landmarks'][brow, 1] < off['landmarks'][brow, 1]).all()
    assert not np.array_equal(on['rgb'], off['rgb'])
    lower = rows_where(r112, lambda y: y > 0.35)
    for k in ('rgb', 'depth', 'parsing'):
        assert np.array_equal(on[k][lower], off[k][lower]), k


def test_au4_lowers_brows(r112):
    s = sample_subject(0, 7)
    on, off = render_pair(r112, s, {4: 4.0}, {})
    inner = [LM['left_brow_0'], LM['right_brow_0']]
    assert (on['landmarks'][inner, 1] > off['landmarks'][inner, 1]).all()
    # ... and pulls the inner brows together.
    gap = lambda o: np.diff(o['landmarks'][inner, 0])[0]  # noqa: E731
    assert gap(on) < gap(off)


def test_au26_opens_mouth_au5_widens_eyes(r112):
    s = sample_subject(0, 8)
    count = lambda o, c: int((o['parsing'] == P[c]).sum())  # noqa: E731
    a = r112.render(s, {25: 2.0}, 'clean', 0, noise=False)
    b = r112.render(s, {25: 2.0, 26: 4.0}, 'clean', 0, noise=False)
    assert count(b, 'inner_mouth') > count(a, 'inner_mouth') + 10
    c = r112.render(s, {}, 'clean', 0, noise=False)
    d = r112.render(s, {5: 4.0}, 'clean', 0, noise=False)
    eyes = lambda o: count(o, 'left_eye') + count(o, 'right_eye')  # noqa
    assert eyes(d) > eyes(c) * 1.3


def test_thermal_periorbital_and_arousal(r112):
    s = sample_subject(0, 9, glasses=False)

    def region_mean(o, lm_name, dy=0.0, dx=0.0):
        x, y = np.rint(o['landmarks'][LM[lm_name]] + [dx, dy]).astype(int)
        return o['thermal'][y - 1:y + 2, x - 1:x + 2].mean()

    neutral = r112.render(s, None, 'clean', 1, arousal=0.1, noise=False)
    fear = r112.render(s, None, 'clean', 1, arousal=0.9, noise=False)
    # Periorbital (inner eye corners) warmer than the cheek.
    cheek_y = 0.2 * r112.canvas.px_per_unit
    cheek = region_mean(neutral, 'left_eye_outer', dy=cheek_y)
    # Inner canthus skin: just medial of the left eye's inner corner.
    assert region_mean(neutral, 'left_eye_inner', dx=2) > cheek + 0.4
    assert region_mean(fear, 'left_eye_inner', dx=2) > \
        region_mean(neutral, 'left_eye_inner', dx=2) + 0.3
    assert region_mean(fear, 'nose_tip') < region_mean(neutral, 'nose_tip') - 0.5
    # AUs change the temperature too (AU6 warms the cheeks).
    au6 = r112.render(s, {6: 5.0}, 'clean', 1, arousal=0.1, noise=False)
    assert au6['thermal'][au6['parsing'] == P['skin']].mean() > \
        neutral['thermal'][neutral['parsing'] == P['skin']].mean()


def test_codecs_roundtrip(r64):
    out = r64.render(sample_subject(0, 0), None, 'lab', 0)
    d16 = encode_depth(out['depth'])
    assert d16.dtype == np.uint16
    assert (d16[out['parsing'] == 0] == 65535).all()
    dec = decode_depth(d16)
    assert np.abs(dec - out['depth']).max() <= 0.05 + 1e-4
    t16 = encode_thermal(out['thermal'])
    assert np.abs(decode_thermal(t16) - out['thermal']).max() <= 0.005 + 1e-4
    u8 = depth_to_uint8(out['depth'])
    assert (u8[out['parsing'] == 0] == 0).all()
    assert u8[out['parsing'] != 0].min() >= 1 and u8.max() == 255


def _import_time_nodes(tree):
    """Nodes run when the module is imported: everything except function
    bodies (a layout writer may import a heavier module lazily, e.g. the
    scan-file writers of ``mmfer.datasets.scans``)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _absolute_imports(path):
    """Modules a file imports by absolute name at import time (relative
    ones skipped)."""
    for node in _import_time_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def _light(module, seen=()):
    """stdlib / numpy / cv2, or an mmfer.structures module using only those
    (and its own siblings); never torch, mmengine or mmfer.datasets/models.
    """
    top = module.split('.')[0]
    if top in sys.stdlib_module_names or top in ('numpy', 'cv2'):
        return True
    if not module.startswith('mmfer.structures.') or module in seen:
        return module in seen
    path = ROOT.joinpath(*module.split('.')).with_suffix('.py')
    return path.is_file() and all(
        _light(m, seen + (module, )) for m in _absolute_imports(path))


def test_imports_only_numpy_cv2_and_light_structures():
    """The renderer needs numpy, cv2 and numpy-only mmfer.structures modules
    at import time (the BU-3DFE / Bosphorus layout writers import the scan
    writers of mmfer.datasets.scans inside the writing function).

    SynthFace imports no torch, mmengine or other part of mmfer; its
    depth/thermal encodings come from :mod:`mmfer.structures.codecs`,
    shared with the loaders and tools.
    """
    bad = [f'{path.name}: {m}'
           for path in sorted((ROOT / 'mmfer' / 'datasets' /
                               'synthface').rglob('*.py'))
           for m in _absolute_imports(path) if not _light(m)]
    assert not bad, bad
    assert _light('mmfer.structures.codecs')
    assert not _light('mmfer.structures.fer_data_sample')  # torch
