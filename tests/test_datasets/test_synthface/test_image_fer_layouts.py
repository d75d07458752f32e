"""SynthFace layouts of EMPD's labelled FER databases: real file formats,
published label orders, the row-aligned FER+ files and a look per database.
"""
import csv
import json
import re
import time

import cv2
import numpy as np
import pytest

from mmfer.datasets.synthface import LAYOUTS, generate_layout
from mmfer.datasets.synthface.layouts.ferplus import (FERPLUS_COLUMNS,
                                                      FERPLUS_FOLDERS)
from mmfer.structures.expressions import canonical_expression, dataset_classes

SAMPLES = dict(rafdb=10, affectnet=10, ferplus=12, sfew=9, expw=8, jaffe=1)
NAMES = tuple(SAMPLES)


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp('image_fer')
    out, seconds = {}, {}
    for name in NAMES:
        t0 = time.time()
        out[name] = generate_layout(name, base / name, verbose=False,
                                    subjects=3, samples=SAMPLES[name],
                                    size=32, seed=0)
        seconds[name] = time.time() - t0
    out['seconds'] = seconds
    return out


def meta(root):
    with open(root / 'meta.json') as f:
        return json.load(f)


def test_registered_and_fast(roots):
    for name in NAMES:
        assert name in LAYOUTS
        assert meta(roots[name])['layout'] == name
        assert roots['seconds'][name] < 10.0, roots['seconds']


def test_published_label_orders_match_the_class_tables():
    # label k of each database's files renders this expression; the loaders'
    # classes (DATASET_CLASSES) must say the same, index for index
    from mmfer.datasets.synthface.layouts import (affectnet, expw, ferplus,
                                                  jaffe, rafdb, sfew)
    tables = dict(
        rafdb=[rafdb.RAFDB_LABELS[k] for k in range(1, 8)],
        affectnet=[affectnet.AFFECTNET_LABELS[k] for k in range(8)],
        fer2013=[ferplus.FER2013_LABELS[k] for k in range(7)],
        ferplus=list(FERPLUS_COLUMNS[:8]),
        sfew=[canonical_expression(f) for f in sfew.SFEW_FOLDERS],
        expw=[expw.EXPW_LABELS[k] for k in range(7)],
        jaffe=[canonical_expression(c) for c in jaffe.JAFFE_CODES])
    for name, table in tables.items():
        assert tuple(table) == dataset_classes(name), name
    assert list(sfew.SFEW_FOLDERS) == ['Angry', 'Disgust', 'Fear', 'Happy',
                                       'Neutral', 'Sad', 'Surprise']


def test_rafdb_files(roots):
    root = roots['rafdb']
    lines = (root / 'basic/EmoLabel/list_patition_label.txt').read_text(
    ).split('\n')[:-1]
    assert len(lines) == 3 * 10
    names = [ln.split()[0] for ln in lines]
    assert all(re.fullmatch(r'train_\d{5}\.jpg|test_\d{4}\.jpg', n)
               for n in names)
    assert sum(n.startswith('test_') for n in names) == 6  # every fifth
    for line in lines:
        name, label = line.split()
        assert 1 <= int(label) <= 7
        stem = name[:-4]
        aligned = cv2.imread(str(root / f'basic/Image/aligned/'
                                        f'{stem}_aligned.jpg'))
        assert aligned.shape == (32, 32, 3)
        assert (root / f'basic/Image/original/{name}').is_file()


def test_affectnet_files(roots):
    root = roots['affectnet']
    lists = root / 'Manually_Annotated_file_lists'
    rows = []
    for name in ('training.csv', 'validation.csv'):
        with open(lists / name) as f:
            r = list(csv.reader(f))
        assert r[0] == ['subDirectory_filePath', 'face_x', 'face_y',
                        'face_width', 'face_height', 'facial_landmarks',
                        'expression', 'valence', 'arousal']
        rows += r[1:]
    assert len(rows) == 30
    for row in rows:
        img = cv2.imread(str(root / 'Manually_Annotated/'
                                    'Manually_Annotated_Images' / row[0]))
        x, y, w, h = map(int, row[1:5])
        assert w > 0 and h > 0
        assert x + w <= img.shape[1] and y + h <= img.shape[0]
        code = int(row[6])
        assert 0 <= code <= 10
        if code <= 7:
            pts = np.array(row[5].split(';'), float).reshape(-1, 2)
            assert pts.shape == (48, 2)
            assert -1 <= float(row[7]) <= 1 and -1 <= float(row[8]) <= 1
        else:
            assert float(row[7]) == -2 and float(row[8]) == -2


def test_ferplus_files_are_row_aligned_with_names_off_by_empty_rows(roots):
    root = roots['ferplus']
    with open(root / 'fer2013.csv') as f:
        fer = list(csv.reader(f))
    with open(root / 'fer2013new.csv') as f:
        new = list(csv.reader(f))
    assert fer[0] == ['emotion', 'pixels', 'Usage']
    assert new[0] == ['Usage', 'Image name', 'neutral', 'happiness',
                      'surprise', 'sadness', 'anger', 'disgust', 'fear',
                      'contempt', 'unknown', 'NF']
    fer, new = fer[1:], new[1:]
    assert len(fer) == len(new) == 3 * 12
    usages = [r[2] for r in fer]
    # Training, then PublicTest, then PrivateTest; same Usage in both files
    assert usages == sorted(usages, key=['Training', 'PublicTest',
                                         'PrivateTest'].index)
    assert [r[0] for r in new] == usages
    names = [r[1] for r in new]
    assert '' in names
    named = [n for n in names if n]
    assert named == [f'fer{i:07d}.png' for i in range(len(named))]
    # after the first empty name, names no longer equal the row index
    first_empty = names.index('')
    after = names[first_empty + 1]
    assert after != f'fer{first_empty + 1:07d}.png'
    kinds = meta(root)['row_kinds']
    assert {'clear', 'zeroed', 'empty', 'tie', 'unknown', 'nf',
            'contempt'} <= set(kinds)
    for r in fer:
        assert len(r[1].split()) == 48 * 48 and 0 <= int(r[0]) <= 6
    # the generate_training_data.py folders: the named rows of each Usage
    for usage, folder in FERPLUS_FOLDERS.items():
        with open(root / folder / 'label.csv') as f:
            rows = list(csv.reader(f))
        want = [[n, '(0, 0, 48, 48)'] + v[2:] for v in new
                if v[0] == usage and (n := v[1])]
        assert rows == want
        for row in rows:
            img = cv2.imread(str(root / folder / row[0]),
                             cv2.IMREAD_UNCHANGED)
            assert img.shape == (48, 48) and img.dtype == np.uint8
        k = names.index(rows[0][0])  # the PNG holds that row's pixels
        png = cv2.imread(str(root / folder / rows[0][0]),
                         cv2.IMREAD_UNCHANGED)
        assert png.reshape(-1).tolist() == list(map(int, fer[k][1].split()))


def test_sfew_files(roots):
    root = roots['sfew']
    train = sorted(root.glob('Train/Train_Aligned_Faces/*/*.png'))
    val = sorted(root.glob('Val/Val_Aligned_Faces/*/*.png'))
    assert len(train) + len(val) == 27 and len(val) == 9
    folders = {p.parent.name for p in train + val}
    assert folders <= {'Angry', 'Disgust', 'Fear', 'Happy', 'Neutral', 'Sad',
                       'Surprise'}
    assert all(re.fullmatch(r'Movie\d+_\d{9}_\d{8}\.png', p.name)
               for p in train + val)


def test_expw_files_and_boxes(roots):
    root = roots['expw']
    lines = (root / 'label/label.lst').read_text().split('\n')[:-1]
    assert len(lines) >= 3 * 8
    per_image = {}
    for line in lines:
        f = line.split()
        assert len(f) == 8
        top, left, right, bottom = map(int, f[2:6])
        img = cv2.imread(str(root / 'image/origin' / f[0]))
        assert img.shape == (80, 80, 3)  # 2.5 x size: a whole image
        assert 0 <= left < right <= 80 and 0 <= top < bottom <= 80
        assert 0 < float(f[6]) < 100 and 0 <= int(f[7]) <= 6
        per_image.setdefault(f[0], []).append(int(f[1]))
    assert all(ids == list(range(len(ids))) for ids in per_image.values())
    assert max(len(v) for v in per_image.values()) == 2  # several faces
    assert len(per_image) == 3 * 8


def test_jaffe_files(roots):
    files = sorted((roots['jaffe'] / 'jaffedbase').glob('*.tiff'))
    assert len(files) == 3 * 7 * 1
    pat = re.compile(r'(KA|KL|KM)\.(AN|DI|FE|HA|NE|SA|SU)(\d)\.(\d+)\.tiff')
    serials = []
    for p in files:
        m = pat.fullmatch(p.name)
        assert m, p.name
        serials.append(int(m.group(4)))
        img = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        assert img.shape == (32, 32) and img.dtype == np.uint8  # grey
    assert sorted(serials) == list(range(1, 22))
    with pytest.raises(ValueError, match='10 subjects'):
        generate_layout('jaffe', roots['jaffe'].parent / 'j11', subjects=11,
                        verbose=False)


def _images(root, pattern, flag=cv2.IMREAD_COLOR):
    return [cv2.imread(str(p), flag)[..., ::-1].astype(np.float32)
            for p in sorted(root.glob(pattern))[:12]]


def test_each_database_has_its_own_look(roots):
    """A cross-database table on SynthFace needs a domain gap: the looks
    differ measurably (brightness, colour, sharpness)."""
    aligned = dict(
        rafdb=_images(roots['rafdb'], 'basic/Image/aligned/*.jpg'),
        ferplus=_images(roots['ferplus'], 'FER2013Train/*.png'),
        sfew=_images(roots['sfew'], 'Train/Train_Aligned_Faces/*/*.png'),
        jaffe=_images(roots['jaffe'], 'jaffedbase/*.tiff'))

    def brightness(name):
        return np.mean([im.mean() for im in aligned[name]])

    def colourfulness(name):
        return np.mean([im.std(-1).mean() for im in aligned[name]])

    # SFEW's movie stills are the darkest, JAFFE's lab the brightest
    assert brightness('sfew') < brightness('rafdb') < brightness('jaffe')
    # FER2013 and JAFFE are grey; RAF-DB is colour
    assert colourfulness('ferplus') == 0 and colourfulness('jaffe') == 0
    assert colourfulness('rafdb') > 5
    # JAFFE's lab images are frontal and alike: far less variation between
    # images than RAF-DB's wild ones
    spread = {n: np.stack(aligned[n]).std(0).mean() for n in ('rafdb',
                                                              'jaffe')}
    assert spread['jaffe'] < 0.6 * spread['rafdb']


def test_database_is_predictable_from_image_statistics(roots):
    """The domain gap is large: a nearest-centroid classifier on four image
    statistics (brightness, colourfulness, mean gradient = sharpness,
    left-right asymmetry = pose) tells the aligned databases apart
    (leave-one-out; chance is 0.25)."""
    sets = dict(
        rafdb=_images(roots['rafdb'], 'basic/Image/aligned/*.jpg'),
        ferplus=_images(roots['ferplus'], 'FER2013Train/*.png'),
        sfew=_images(roots['sfew'], 'Train/Train_Aligned_Faces/*/*.png'),
        jaffe=_images(roots['jaffe'], 'jaffedbase/*.tiff'))
    feats, labels = [], []
    for k, ims in enumerate(sets.values()):
        for im in ims:
            im = cv2.resize(im, (32, 32), interpolation=cv2.INTER_AREA)
            grey = im.mean(-1)
            grad = np.abs(np.diff(grey, axis=0)).mean() + np.abs(
                np.diff(grey, axis=1)).mean()
            asym = np.abs(grey - grey[:, ::-1]).mean()
            feats.append([grey.mean(), im.std(-1).mean(), grad, asym])
            labels.append(k)
    x, y = np.asarray(feats), np.asarray(labels)
    x = (x - x.mean(0)) / x.std(0)
    correct = 0
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        cents = np.stack([x[keep & (y == k)].mean(0) for k in range(4)])
        correct += int(np.argmin(((cents - x[i]) ** 2).sum(1)) == y[i])
    assert correct / len(y) >= 0.9, correct / len(y)


def test_cli_writes_an_image_fer_layout(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    cli = (Path(__file__).resolve().parents[3] / 'tools' /
           'dataset_converters' / 'make_synthface.py')
    res = subprocess.run(
        [sys.executable, str(cli), '--layout', 'rafdb', '--out',
         str(tmp_path / 'r'), '--subjects', '1', '--samples', '2', '--size',
         '32', '--quiet'], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    lines = (tmp_path / 'r' / 'basic/EmoLabel/list_patition_label.txt'
             ).read_text().split()
    assert lines[0::2] == ['train_00001.jpg', 'train_00002.jpg']
    assert all(1 <= int(v) <= 7 for v in lines[1::2])
