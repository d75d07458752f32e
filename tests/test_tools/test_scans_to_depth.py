"""tools/dataset_converters/scans_to_depth.py on tiny BU-3DFE / Bosphorus
trees (2 subjects each)."""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from mmfer.datasets.scans import write_bnt, write_vrml
from mmfer.structures.codecs import DEPTH_BACKGROUND_CODE, decode_depth
from tool_scripts import load_tool

H, W = 40, 48
U0, V0 = 0.6, 0.4  # bump position in texture coordinates


def _tool():
    mod = load_tool('dataset_converters', 'scans_to_depth.py')
    sys.modules['scans_to_depth'] = mod  # workers unpickle convert_one
    return mod


def _grid(n=21):
    vs, us = np.mgrid[0.8:0.2:complex(0, n), 0.2:0.8:complex(0, n)]
    z = 30 - 40 * ((us - .5)**2 + (vs - .5)**2) + 8 * np.exp(
        -((us - U0)**2 + (vs - V0)**2) / 0.004)
    return us * 120, vs * 120, z, us, vs


def _bu3dfe(root, subjects=('F0001', 'M0002')):
    x, y, z, u, v = _grid()
    n = x.shape[0]
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    faces = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3),
                            np.stack([b, c, d], -1).reshape(-1, 3)])
    pts = np.stack([x, y, z], -1).reshape(-1, 3)
    uv = np.stack([u, v], -1).reshape(-1, 2)
    for sid in subjects:
        os.makedirs(osp.join(root, sid))
        for code in ('AN01WH', 'NE00WH'):
            stem = f'{sid}_{code}'
            write_vrml(osp.join(root, sid, stem + '_F3D.wrl'), pts, faces,
                       uv, stem + '_F2D.bmp')
            cv2.imwrite(osp.join(root, sid, stem + '_F2D.bmp'),
                        np.zeros((H, W, 3), np.uint8))


def _bosphorus(root):
    x, y, z, u, v = _grid()
    for sid in ('bs000', 'bs001'):
        os.makedirs(osp.join(root, sid))
        stem = f'{sid}_E_ANGER_0'
        write_bnt(osp.join(root, sid, stem + '.bnt'), x, y, z, u, v, -1e9,
                  stem + '.png')
        cv2.imwrite(osp.join(root, sid, stem + '.png'),
                    np.zeros((H, W, 3), np.uint8))


def _check_depth(path):
    code = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert code.dtype == np.uint16 and code.shape == (H, W)
    assert code[0, 0] == DEPTH_BACKGROUND_CODE  # off the scan
    depth = decode_depth(code)
    r, c = np.unravel_index(np.argmin(depth), depth.shape)
    assert abs(c - (U0 * W - .5)) <= 1 and abs(r - ((1 - V0) * H - .5)) <= 1
    assert abs(depth.min() - 600) < 0.5


def test_bu3dfe_tree_and_resume(tmp_path):
    root, out = str(tmp_path / 'BU-3DFE'), str(tmp_path / 'out')
    _bu3dfe(root)
    tool = _tool()
    lines = []
    assert tool.main(['--dataset', 'bu3dfe', root, out]) == 0
    for sid in ('F0001', 'M0002'):
        for code in ('AN01WH', 'NE00WH'):
            _check_depth(osp.join(out, sid, f'{sid}_{code}_F3D_depth.png'))
    assert sorted(os.listdir(out)) == ['F0001', 'M0002']
    before = {f: os.stat(osp.join(out, 'F0001', f)).st_mtime_ns
              for f in os.listdir(osp.join(out, 'F0001'))}
    stats = tool.run('bu3dfe', root, out, log=lines.append)
    assert stats == dict(written=0, skipped=4, failed=0, failed_files=[])
    assert before == {f: os.stat(osp.join(out, 'F0001', f)).st_mtime_ns
                      for f in os.listdir(osp.join(out, 'F0001'))}
    assert '4 done already, 0 to fit' in lines[0]
    stats = tool.run('bu3dfe', root, out, overwrite=True, workers=2,
                     log=lines.append)
    assert stats['written'] == 4
    assert any('[4/4]' in s and 'ETA 0:00:00' in s for s in lines)


def test_bosphorus_tree(tmp_path):
    root, out = str(tmp_path / 'Bosphorus'), str(tmp_path / 'out')
    _bosphorus(root)
    stats = _tool().run('bosphorus', root, out, method='linear',
                        log=lambda s: None)
    assert stats['written'] == 2
    _check_depth(osp.join(out, 'bs000', 'bs000_E_ANGER_0_depth.png'))
    _check_depth(osp.join(out, 'bs001', 'bs001_E_ANGER_0_depth.png'))


def test_error_policy(tmp_path, capsys):
    root, out = str(tmp_path / 'BU-3DFE'), str(tmp_path / 'out')
    _bu3dfe(root)
    bad = osp.join(root, 'M0002', 'M0002_AN01WH_F3D.wrl')
    text = open(bad).read()
    with open(bad, 'w') as f:  # truncated mid-file
        f.write(text[:len(text) // 3])
    os.remove(osp.join(root, 'F0001', 'F0001_NE00WH_F2D.bmp'))
    tool = _tool()
    assert tool.main(['--dataset', 'bu3dfe', root, out]) == 1
    err = capsys.readouterr().err
    assert 'F0001_NE00WH_F3D.wrl failed' in err
    assert 'F0001_NE00WH_F2D.bmp not found' in err
    assert '--on-error skip' in err

    stats = tool.run('bu3dfe', root, out, on_error='skip', log=lambda s: None)
    # the stopped run kept F0001_AN01WH (done before the failure)
    assert (stats['written'], stats['skipped'], stats['failed']) == (1, 1, 2)
    listed = open(osp.join(out, 'failed.txt')).read().splitlines()
    assert [s.split('\t')[0] for s in listed] == sorted(
        [bad, osp.join(root, 'F0001', 'F0001_NE00WH_F3D.wrl')])
    assert 'no closing' in listed[1] or 'no closing' in listed[0]


def test_face_boxes(tmp_path, capsys):
    import json
    root, out = str(tmp_path / 'BU-3DFE'), str(tmp_path / 'out')
    _bu3dfe(root)
    boxes = str(tmp_path / 'boxes.json')
    with open(boxes, 'w') as f:  # one box per subject / per scan (off-face)
        json.dump(dict(boxes={'F0001': [20, 10, 40, 30],
                              'M0002/M0002_AN01WH_F3D': [20, 10, 40, 30],
                              'M0002/M0002_NE00WH_F3D': [0, 0, 4, 4]}), f)
    stats = _tool().run('bu3dfe', root, out, boxes=boxes, on_error='skip',
                        log=lambda s: None)
    assert (stats['written'], stats['failed']) == (3, 1)
    code = cv2.imread(osp.join(out, 'F0001', 'F0001_AN01WH_F3D_depth.png'),
                      cv2.IMREAD_UNCHANGED)
    fg = code < DEPTH_BACKGROUND_CODE
    rows, cols = np.nonzero(fg)
    assert rows.min() >= 10 and rows.max() < 30
    assert cols.min() >= 20 and cols.max() < 40 and fg[12:28, 22:38].all()
    failed = open(osp.join(out, 'failed.txt')).read()
    assert 'M0002_NE00WH_F3D.wrl' in failed and 'no face region' in failed

    with open(boxes, 'w') as f:
        json.dump(dict(boxes={'F0001': [20, 10, 40, 30]}), f)
    assert _tool().main(['--dataset', 'bu3dfe', root, str(tmp_path / 'o2'),
                         '--boxes', boxes]) == 1
    err = capsys.readouterr().err
    assert "boxes.json has no face box for 'M0002/M0002_AN01WH_F3D'" in err


def test_empty_root(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'no bs\*\.bnt scan under .*bs000_E_ANGER_0'):
        _tool().run('bosphorus', str(tmp_path), str(tmp_path / 'o'))
