"""Every layout writer's files, caching, concurrency and the CLI."""
import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmfer.datasets.synthface import (AU_NAMES, DEPTH_BACKGROUND_MM,
                                      EXPRESSIONS, EXTENDED_EXPRESSIONS,
                                      decode_depth, decode_thermal,
                                      false_colour_to_temperature,
                                      generate_layout, read_wav)

ROOT = Path(__file__).resolve().parents[3]
CLI = ROOT / 'tools' / 'dataset_converters' / 'make_synthface.py'


def rel_files(d):
    return sorted(str(p.relative_to(d)) for p in d.rglob('*') if p.is_file())


def read_csv(path, header=True):
    with open(path) as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if header else rows


def test_native(tmp_path):
    out = generate_layout('synthface', tmp_path / 'sf', subjects=4, samples=3,
                          size=32, domains=['lab', 'wild'], verbose=False)
    files = rel_files(out)
    for mod in ('rgb', 'depth', 'thermal', 'parsing'):
        assert [f for f in files if f.startswith(mod + '/')] == [
            f'{mod}/S{s:03d}/{i:06d}.png' for s in range(1, 5)
            for i in range(3)]
    ann = {s: json.loads((out / 'annotations' / f'{s}.json').read_text())
           for s in ('train', 'val', 'all')}
    meta = ann['all']['metainfo']
    assert meta['classes'] == list(EXPRESSIONS)
    assert meta['au_names'] == list(AU_NAMES) and meta['domains'] == [
        'lab', 'wild']
    assert {d['subject'] for d in ann['val']['data_list']} == {'S004'}
    assert len(ann['train']['data_list']) == 9 and len(
        ann['all']['data_list']) == 12
    e = ann['all']['data_list'][3]
    assert e['img_path'] == 'rgb/S002/000000.png' and e['domain'] == 1
    assert e['domain_name'] == 'wild'
    assert e['au_occ'] == [int(v >= 1.0) for v in e['au_int']]
    assert 0 <= e['gt_label'] < 7 and EXPRESSIONS[e['gt_label']] == e[
        'expression']
    rgb = cv2.imread(str(out / e['img_path']))
    par = cv2.imread(str(out / e['parsing_path']), cv2.IMREAD_UNCHANGED)
    dep = decode_depth(cv2.imread(str(out / e['depth_path']),
                                  cv2.IMREAD_UNCHANGED))
    th = decode_thermal(cv2.imread(str(out / e['thermal_path']),
                                   cv2.IMREAD_UNCHANGED))
    assert rgb.shape == (32, 32, 3) and par.dtype == np.uint8
    assert np.array_equal(par == 0, dep == DEPTH_BACKGROUND_MM)
    assert 15 < th.mean() < 40
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['args']['samples'] == 3 and meta['seed'] == 0


def test_bad_args(tmp_path):
    with pytest.raises(ValueError, match='valid: synthface, bp4d'):
        generate_layout('nope', tmp_path / 'x')
    with pytest.raises(ValueError, match='>= 32'):
        generate_layout('synthface', tmp_path / 'x', size=16)
    with pytest.raises(ValueError, match='valid arguments'):
        generate_layout('synthface', tmp_path / 'x', meshes=True)
    with pytest.raises(ValueError, match='unknown SynthFace domain'):
        generate_layout('synthface', tmp_path / 'x', domains=['moon'],
                        verbose=False)
    (tmp_path / 'foreign').mkdir()
    (tmp_path / 'foreign' / 'keep.txt').write_text('mine')
    with pytest.raises(FileExistsError):
        generate_layout('synthface', tmp_path / 'foreign', subjects=1,
                        samples=1, size=32)
    assert not any(p.name.startswith('.x.tmp') for p in tmp_path.iterdir())


def test_bp4d(tmp_path):
    out = generate_layout('bp4d', tmp_path / 'bp4d', subjects=3, tasks=2,
                          frames=4, size=32, meshes=True, unknown_rate=0.2,
                          verbose=False)
    assert json.loads((out / 'meta.json').read_text())['subjects'] == [
        'F001', 'M011', 'F007']
    header, rows = read_csv(out / 'AUCoding' / 'AU_OCC' / 'M011_T2.csv')
    assert header == [str(k) for k in range(28)]
    frames = [int(r[0]) for r in rows]
    assert frames == list(range(frames[0], frames[0] + 4))
    assert frames[0] >= 100
    imgs = sorted(int(p.stem) for p in (out / 'Sequences' / 'M011' /
                                        'T2').glob('*.jpg'))
    assert imgs == frames
    values = {v for r in rows for v in r[1:]}
    assert values <= {'0', '1', '9'}
    all_vals = [v for s in ('F001', 'M011', 'F007') for t in ('T1', 'T2')
                for r in read_csv(out / 'AUCoding' / 'AU_OCC' /
                                  f'{s}_{t}.csv')[1] for v in r[1:]]
    assert '9' in all_vals
    assert all(r[3] == '0' for r in rows)  # AU3 is never rendered
    inten = read_csv(out / 'AU Intensity Codes3.0' / 'AU12' /
                     'F001_T1_AU12.csv', header=False)
    assert len(inten) == 4 and all(len(r) == 2 for r in inten)
    assert {int(r[1]) for r in inten} <= {0, 1, 2, 3, 4, 5, 9}
    # Mesh + camera reproduce the depth image.
    cam = json.loads((out / 'camera.json').read_text())
    n = frames[0]
    depth = decode_depth(cv2.imread(str(out / 'Depth' / 'M011' / 'T2' /
                                        f'{n}.png'), cv2.IMREAD_UNCHANGED))
    verts = np.array([list(map(float, line.split()[1:])) for line in open(
        out / 'Sequences' / 'M011' / 'T2' / f'{n}.obj') if line[0] == 'v'])
    u = verts[:, 0] * cam['fx'] / verts[:, 2] + cam['cx']
    v = verts[:, 1] * cam['fy'] / verts[:, 2] + cam['cy']
    ui, vi = np.rint(u).astype(int), np.rint(v).astype(int)
    assert np.abs(u - ui).max() < 0.05
    assert np.abs(depth[vi, ui] - verts[:, 2]).max() < 0.1


def test_bp4d_plus(tmp_path):
    out = generate_layout('bp4d_plus', tmp_path / 'bp', subjects=2, tasks=2,
                          frames=3, size=32, zip=True, ir_missing=0.2,
                          verbose=False)
    with zipfile.ZipFile(out / '2D+3D' / 'M001.zip') as z:
        assert sorted(z.namelist()) == sorted(
            f'M001/T{t}/{n}.jpg' for t in (1, 2) for n in (1, 2, 3))
    header, rows = read_csv(out / 'AUCoding' / 'AU_OCC' / 'F001_T1.csv')
    assert header[0] == 'Frame' and len(header) == 35
    assert header[1:4] == ['1', '2', '4'] and header[-1] == '39'
    assert [r[0] for r in rows] == ['1', '2', '3']
    assert not (out / 'AUCoding' / 'AU_OCC' / 'F001_T2.csv').exists()
    assert (out / 'AUCoding' / 'AU_INT' / 'AU06' / 'F001_T1_AU06.csv').exists()
    meta = json.loads((out / 'meta.json').read_text())
    H = np.array(meta['thermal_homography']['F001'])
    th = decode_thermal(cv2.imread(str(out / 'Thermal' / 'F001' / 'T1' /
                                       '2.png'), cv2.IMREAD_UNCHANGED))
    raw = cv2.imread(str(out / 'ThermalRaw' / 'F001' / 'T1' / '2.png'))
    legend = json.loads((out / 'ThermalRaw' / 'F001' / 'T1' /
                         'legend.json').read_text())
    assert list(raw.shape[1::-1]) == meta['thermal_raw_size']
    # Undo the false colour and the homography: recovers aligned thermal.
    t_raw = false_colour_to_temperature(raw, legend)
    back = cv2.warpPerspective(t_raw, np.linalg.inv(H), (32, 32))
    inner = (slice(8, 24), slice(8, 24))
    assert np.median(np.abs(back[inner] - th[inner])) < 0.5
    ir = np.loadtxt(out / 'IRFeatures' / 'F001_T1.txt')
    assert ir.shape == (3, 56)
    pts = ir.reshape(3, 28, 2)
    assert ((pts == 0).all(-1)).any()   # some missing landmarks
    ok = ~(pts == 0).all(-1)
    assert (pts[ok][:, 0] < raw.shape[1]).all()


def test_disfa(tmp_path):
    out = generate_layout('disfa', tmp_path / 'd', subjects=2, frames=9,
                          episode=5, size=32, right_camera=True,
                          extract_frames=True, verbose=False)
    cap = cv2.VideoCapture(str(out / 'Videos_LeftCamera' /
                               'LeftVideoSN002_comp.avi'))
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        assert frame.shape == (32, 32, 3)
        n += 1
    assert n == 9
    assert (out / 'Video_RightCamera' / 'RightVideoSN013_comp.avi').exists()
    labs = sorted(p.name for p in (out / 'ActionUnit_Labels' /
                                   'SN013').iterdir())
    assert labs == sorted(f'SN013_au{k}.txt' for k in
                          (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26))
    lines = (out / 'ActionUnit_Labels' / 'SN002' /
             'SN002_au12.txt').read_text().split()
    assert [int(x.split(',')[0]) for x in lines] == list(range(1, 10))
    assert {int(x.split(',')[1]) for x in lines} <= set(range(6))
    assert sorted(int(p.stem) for p in (out / 'img' / 'SN002').glob(
        '*.png')) == list(range(9))


def test_dfew(tmp_path):
    out = generate_layout('dfew', tmp_path / 'dfew', subjects=2, samples=3,
                          frames=8, size=32, verbose=False)
    clips = sorted(p.name for p in (out / 'Clip' / 'clip_224x224').iterdir())
    assert clips == [f'{i:05d}' for i in range(1, 7)]
    assert sorted(p.name for p in (out / 'Clip' / 'clip_224x224_16f' /
                                   '00001').iterdir()) == sorted(
        f'{k}.jpg' for k in range(1, 17))
    test_ids = []
    names = {1: 'happiness', 2: 'sadness', 3: 'neutral', 4: 'anger',
             5: 'surprise', 6: 'disgust', 7: 'fear'}
    meta = json.loads((out / 'meta.json').read_text())
    assert {int(k): v for k, v in meta['dfew_labels'].items()} == names
    for f in range(1, 6):
        header, rows = read_csv(out / 'EmoLabel_DataSplit' /
                                'test(single-labeled)' / f'set_{f}.csv')
        assert header == ['video_name', 'label']
        test_ids += [int(r[0]) for r in rows]
        lines = (out / 'annotation' / f'DFEW_set_{f}_test.txt').read_text(
        ).splitlines()
        for (vid, lab), line in zip(rows, lines):
            path, nframes, lab0 = line.split()
            assert path == f'Clip/clip_224x224/{int(vid):05d}'
            assert int(lab0) == int(lab) - 1
            assert int(nframes) == len(list((out / path).glob('*.jpg')))
    assert sorted(test_ids) == list(range(1, 7))   # each clip tested once
    wav, sr = read_wav(out / 'raw_wav' / '1.wav')
    assert sr == 16000 and len(wav) > 0


def test_mafw(tmp_path):
    out = generate_layout('mafw', tmp_path / 'm', subjects=2, samples=3,
                          frames=8, size=32, videos=True, verbose=False)
    meta = json.loads((out / 'meta.json').read_text())
    wavs = sorted(p.stem for p in (out / 'clips_wav').glob('*.wav'))
    assert len(meta['missing_audio']) >= 1
    assert sorted(wavs + meta['missing_audio']) == [
        f'{i:05d}' for i in range(1, 7)]
    assert sorted(int(p.stem) for p in (out / 'clips_faces' / '00002').glob(
        '*.jpg')) == list(range(len(list((out / 'data' / 'frames' /
                                          '00002').glob('*.jpg')))))
    assert (out / 'data' / 'clips' / '00001.mp4').stat().st_size > 0
    seen = []
    for f in range(1, 6):
        for line in (out / 'Train & Test Set' / 'single' / 'no_caption' /
                     f'set_{f}' / 'test.txt').read_text().splitlines():
            name, label = line.split()
            assert name.endswith('.mp4') and label in EXTENDED_EXPRESSIONS
            seen.append(name)
    assert sorted(seen) == [f'{i:05d}.mp4' for i in range(1, 7)]


def test_cache_and_force(tmp_path):
    kw = dict(subjects=1, samples=2, size=32, verbose=False)
    out = generate_layout('synthface', tmp_path / 'c', **kw)
    meta = out / 'meta.json'
    img = out / 'rgb' / 'S001' / '000000.png'
    stamp = (meta.stat().st_mtime_ns, img.stat().st_mtime_ns)
    generate_layout('synthface', tmp_path / 'c', **kw)
    assert (meta.stat().st_mtime_ns, img.stat().st_mtime_ns) == stamp
    # Other arguments regenerate; an incomplete dir (no meta.json) too.
    generate_layout('synthface', tmp_path / 'c', seed=1, **kw)
    assert json.loads(meta.read_text())['seed'] == 1
    meta.unlink()
    generate_layout('synthface', tmp_path / 'c', seed=1, **kw)
    assert meta.exists()


CONCURRENT = '''
import sys, importlib.util
pkg = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "sfc", pkg + "/__init__.py", submodule_search_locations=[pkg])
m = importlib.util.module_from_spec(spec); sys.modules["sfc"] = m
spec.loader.exec_module(m)
m.generate_layout("synthface", sys.argv[2], subjects=3, samples=4, size=32,
                  verbose=False)
'''


def test_concurrent_generation(tmp_path):
    pkg = str(ROOT / 'mmfer' / 'datasets' / 'synthface')
    target = tmp_path / 'race'
    procs = [subprocess.Popen([sys.executable, '-c', CONCURRENT, pkg,
                               str(target)]) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    ref = generate_layout('synthface', tmp_path / 'ref', subjects=3,
                          samples=4, size=32, verbose=False)
    files = rel_files(target)
    assert files == rel_files(ref)
    for f in files:
        if f != 'meta.json':
            assert (target / f).read_bytes() == (ref / f).read_bytes(), f
    assert not [p for p in tmp_path.iterdir() if '.tmp-' in p.name]


def test_cli(tmp_path):
    res = subprocess.run(
        [sys.executable, str(CLI), '--layout', 'synthface', '--out',
         str(tmp_path / 'cli'), '--subjects', '2', '--samples', '2',
         '--size', '32', '--domains', 'lab,wild', '--domain-assign',
         'sample'], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count('[synthface:synthface] subject') == 2
    ann = json.loads((tmp_path / 'cli' / 'annotations' /
                      'all.json').read_text())
    assert len(ann['data_list']) == 4
    bad = subprocess.run([sys.executable, str(CLI), '--layout', 'synthface',
                          '--out', str(tmp_path / 'x'), '--size', '8'],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and '>= 32' in bad.stderr
    bad = subprocess.run([sys.executable, str(CLI), '--layout', 'bp4d',
                          '--out', str(tmp_path / 'y'), '--zip'],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and '--zip' in bad.stderr
