"""RAF-DB, AffectNet, FER2013 / FER+, SFEW, ExpW and JAFFE loaders on their
SynthFace layouts and on hand-made label files."""
import csv
import functools
import json
import os
import shutil

import cv2
import numpy as np
import pytest

from mmfer.datasets import (AffectNetDataset, ExpWDataset, FER2013Dataset,
                            FERPlusDataset, JAFFEDataset, RAFDBDataset,
                            SFEWDataset)
from mmfer.datasets.ferplus import ferplus_majority_vote
from mmfer.datasets.synthface import generate_layout
from mmfer.structures.expressions import canonical_expression, dataset_classes
from mmfer.utils import register_all_modules

register_all_modules()

# mmengine's serialisation runs gc.collect() (~0.5 s) per dataset; these
# tests build dozens, and serialisation is not what they check
(AffectNetDataset, ExpWDataset, FER2013Dataset, FERPlusDataset, JAFFEDataset,
 RAFDBDataset, SFEWDataset) = (
     functools.partial(cls, serialize_data=False)
     for cls in (AffectNetDataset, ExpWDataset, FER2013Dataset,
                 FERPlusDataset, JAFFEDataset, RAFDBDataset, SFEWDataset))

GEN = dict(rafdb=dict(samples=10), affectnet=dict(samples=10),
           ferplus=dict(samples=14), sfew=dict(samples=9),
           expw=dict(samples=6), jaffe=dict(samples=1))


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp('image_fer_ds')
    return {name: str(generate_layout(name, base / name, verbose=False,
                                      subjects=3, size=32, seed=1, **kw))
            for name, kw in GEN.items()}


@pytest.fixture
def copy_of(roots, tmp_path):
    def make(name):
        dst = str(tmp_path / name)
        shutil.copytree(roots[name], dst)
        return dst
    return make


def items(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def meta(root):
    with open(os.path.join(root, 'meta.json')) as f:
        return json.load(f)


# ----------------------------------------------------------------------
# Each loader on its layout: count, canonical classes, label order, domain
# ----------------------------------------------------------------------
def test_rafdb(roots):
    root = roots['rafdb']
    with open(os.path.join(root,
                           'basic/EmoLabel/list_patition_label.txt')) as f:
        official = dict(line.split() for line in f)
    names = meta(root)['rafdb_labels']  # '1' -> 'surprise'
    seen = 0
    for split in ('train', 'test'):
        for aligned in (True, False):
            ds = RAFDBDataset(root, split=split, aligned=aligned)
            assert ds.metainfo['classes'] == (
                'surprise', 'fear', 'disgust', 'happiness', 'sadness',
                'anger', 'neutral')
            for d in items(ds):
                assert d['image_name'].startswith(split + '_')
                label = official[d['image_name']]
                assert d['gt_label'] == int(label) - 1
                assert ds.metainfo['classes'][d['gt_label']] == names[label]
                assert d['domain'] == 'rafdb'
                assert d['img_path'].endswith(
                    '_aligned.jpg' if aligned else d['image_name'])
            seen += len(ds) if aligned else 0
    assert seen == len(official) == 30


def test_affectnet_7_vs_8_classes_and_dropped_codes(roots):
    root = roots['affectnet']
    codes = []
    for name in ('training.csv', 'validation.csv'):
        with open(os.path.join(root, 'Manually_Annotated_file_lists',
                               name)) as f:
            rows = list(csv.DictReader(f))
        codes.append([int(r['expression']) for r in rows])
        split = 'train' if name == 'training.csv' else 'val'
        ds8 = AffectNetDataset(root, split=split, num_classes=8)
        ds7 = AffectNetDataset(root, split=split, num_classes=7)
        assert ds8.metainfo['classes'] == dataset_classes('affectnet')
        assert ds7.metainfo['classes'] == dataset_classes('affectnet7')
        c = codes[-1]
        assert len(ds8) == sum(k <= 7 for k in c)
        assert len(ds7) == sum(k <= 6 for k in c)
        assert sum(ds8.num_dropped.values()) == sum(k >= 8 for k in c)
        assert ds7.num_dropped.get('Contempt (num_classes=7)', 0) == c.count(7)
        rows_by_path = {r['subDirectory_filePath']: r for r in rows}
        for d in items(ds8):
            r = rows_by_path[d['img_path'].split(
                'Manually_Annotated_Images/')[1]]
            x, y, w, h = (int(r[k]) for k in ('face_x', 'face_y',
                                              'face_width', 'face_height'))
            assert d['face_box'] == [x, y, x + w, y + h]
            assert d['gt_label'] == int(r['expression'])
            assert len(d['landmarks']) == 48 and d['domain'] == 'affectnet'
    assert sum(len(c) for c in codes) == 30


def test_affectnet_hand_made_codes(copy_of):
    root = copy_of('affectnet')
    path = os.path.join(root, 'Manually_Annotated_file_lists',
                        'training.csv')
    with open(path) as f:
        rows = list(csv.reader(f))
    header, img = rows[0], rows[1][0]
    # every code once, and no header line (detected, not required)
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(
            [[img, 1, 2, 10, 12, '1;2;3;4', k, 0.1, -0.2] for k in range(11)])
    ds8 = AffectNetDataset(root, num_classes=8)
    ds7 = AffectNetDataset(root, num_classes=7)
    assert [d['gt_label'] for d in items(ds8)] == list(range(8))
    assert [d['gt_label'] for d in items(ds7)] == list(range(7))
    assert ds8.num_dropped == {'None': 1, 'Uncertain': 1, 'Non-Face': 1}
    assert ds7.num_dropped == {'None': 1, 'Uncertain': 1, 'Non-Face': 1,
                               'Contempt (num_classes=7)': 1}
    d = ds8.get_data_info(0)
    assert d['face_box'] == [1, 2, 11, 14]
    assert d['landmarks'] == [[1.0, 2.0], [3.0, 4.0]]
    assert (d['valence'], d['arousal']) == (0.1, -0.2)
    assert header[0] == 'subDirectory_filePath'


def test_ferplus_majority_vote_rule():
    v = ferplus_majority_vote
    assert v([10, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == 0
    assert v([0, 0, 0, 0, 0, 0, 0, 6, 2, 2]) == 7      # contempt
    assert v([6, 2, 2, 0, 0, 0, 0, 0, 0, 0]) == 0      # 6 > 10 / 2
    # single votes are outliers (-> 0): 5 of 5 is then a majority, while 5
    # of 10 would not be
    assert v([5, 1, 1, 1, 1, 1, 0, 0, 0, 0]) == 0
    assert v([4, 1, 1, 1, 1, 1, 1, 0, 0, 0]) == 0
    assert v([0, 3, 1, 1, 1, 1, 1, 1, 1, 0]) == 1
    # ties and pluralities are no majority -> unknown (8)
    assert v([5, 5, 0, 0, 0, 0, 0, 0, 0, 0]) == 8
    assert v([0, 0, 4, 3, 3, 0, 0, 0, 0, 0]) == 8
    assert v([3, 2, 2, 0, 0, 0, 0, 0, 0, 0]) == 8      # 3 is not > 3.5
    # all votes <= 1 and all zero -> unknown
    assert v([1] * 10) == 8
    assert v([0] * 10) == 8
    # unknown / NF majorities
    assert v([2, 0, 0, 0, 0, 0, 0, 0, 8, 0]) == 8
    assert v([0, 0, 0, 0, 0, 0, 0, 0, 2, 8]) == 9
    with pytest.raises(ValueError, match='10 vote counts'):
        v([1, 2, 3])


def _csv_rows(path):
    with open(path) as f:
        return list(csv.reader(f))[1:]


def test_ferplus_csv_joins_by_row_order(roots, tmp_path):
    root = roots['ferplus']
    fer = _csv_rows(os.path.join(root, 'fer2013.csv'))
    new = _csv_rows(os.path.join(root, 'fer2013new.csv'))
    kept = dropped = 0
    for split, usage in (('train', 'Training'), ('val', 'PublicTest'),
                         ('test', 'PrivateTest')):
        ds = FERPlusDataset(root, split=split, cache_dir=str(tmp_path / 'c'))
        assert ds.metainfo['classes'] == dataset_classes('ferplus')
        for d in items(ds):
            i = d['row']
            assert fer[i][2] == usage and new[i][1] == d['image_name']
            votes = list(map(int, new[i][2:]))
            assert d['ferplus_votes'] == votes
            assert d['gt_label'] == ferplus_majority_vote(votes) < 8
            png = cv2.imread(d['img_path'], cv2.IMREAD_UNCHANGED)
            assert png.shape == (48, 48)
            assert png.reshape(-1).tolist() == list(map(int,
                                                        fer[i][1].split()))
            assert d['domain'] == 'ferplus'
        kept += len(ds)
        dropped += sum(ds.num_dropped.values())
    assert kept + dropped == len(fer)
    # a name past the first empty row does not equal its row index, and the
    # loader still pairs it with its row's pixels (checked above)
    first_empty = [r[1] for r in new].index('')
    assert new[first_empty + 1][1] != f'fer{first_empty + 1:07d}.png'


def test_ferplus_hand_made_join_ignores_names(tmp_path):
    root = tmp_path / 'fer'
    root.mkdir()
    pix = [np.full(48 * 48, 10 * i, np.uint8) for i in range(4)]
    with open(root / 'fer2013.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['emotion', 'pixels', 'Usage'])
        for i in range(4):
            w.writerow([i, ' '.join(map(str, pix[i])), 'Training'])
    votes = [[0, 10, 0, 0, 0, 0, 0, 0, 0, 0], [0] * 10,
             [0, 0, 5, 5, 0, 0, 0, 0, 0, 0], [0, 0, 0, 9, 0, 0, 0, 0, 0, 1]]
    names = ['fer0000003.png', '', 'fer0000001.png', 'fer0000000.png']
    with open(root / 'fer2013new.csv', 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['Usage', 'Image name', 'neutral', 'happiness', 'surprise',
                    'sadness', 'anger', 'disgust', 'fear', 'contempt',
                    'unknown', 'NF'])
        for n, v in zip(names, votes):
            w.writerow(['Training', n] + v)
    ds = FERPlusDataset(str(root), split='train')
    got = items(ds)
    # row 0 (named fer0000003) -> happiness with row 0's pixels; row 1 has
    # no name; row 2 is a tie (unknown); row 3 (named fer0000000) -> sadness
    assert [(d['row'], d['image_name'], d['gt_label']) for d in got] == [
        (0, 'fer0000003.png', 1), (3, 'fer0000000.png', 3)]
    for d in got:
        img = cv2.imread(d['img_path'], cv2.IMREAD_UNCHANGED)
        assert int(img[0, 0]) == 10 * d['row']
    assert ds.num_dropped == {'no FER+ image (empty name)': 1,
                              'unknown (no majority)': 1}
    assert os.path.isdir(root / 'fer2013_png')  # the default cache
    # FER2013's own labels on the same csv
    fer = FER2013Dataset(str(root), split='train')
    assert [d['gt_label'] for d in items(fer)] == [0, 1, 2, 3]
    assert fer.metainfo['classes'] == dataset_classes('fer2013')
    # FER+ without FER2013 rows to join: an error naming both files
    with open(root / 'fer2013new.csv', 'a') as f:
        f.write('Training,fer0000004.png,' + ','.join(['1'] * 10) + '\n')
    with pytest.raises(ValueError, match='fer2013new.csv has 5 rows but .*'
                       'fer2013.csv has 4'):
        FERPlusDataset(str(root))


def test_ferplus_7_classes_folders_and_fer2013(roots, tmp_path):
    root = roots['ferplus']
    cache = str(tmp_path / 'cache')
    ds8 = FERPlusDataset(root, cache_dir=cache)
    ds7 = FERPlusDataset(root, num_classes=7, cache_dir=cache)
    n_contempt = sum(d['gt_label'] == 7 for d in items(ds8))
    assert n_contempt > 0
    assert len(ds7) == len(ds8) - n_contempt
    assert ds7.num_dropped['contempt (num_classes=7)'] == n_contempt
    assert ds7.metainfo['classes'] == dataset_classes('ferplus')[:7]
    for split in ('train', 'val', 'test'):
        by_csv = {d['image_name']: d['gt_label']
                  for d in items(FERPlusDataset(root, split=split,
                                                cache_dir=cache))}
        folders = FERPlusDataset(root, split=split, source='folders')
        assert {d['image_name']: d['gt_label']
                for d in items(folders)} == by_csv
    fer = _csv_rows(os.path.join(root, 'fer2013.csv'))
    for split, usage in (('train', 'Training'),
                         ('public_test', 'PublicTest'),
                         ('private_test', 'PrivateTest')):
        ds = FER2013Dataset(root, split=split, cache_dir=cache)
        want = [int(r[0]) for r in fer if r[2] == usage]
        assert [d['gt_label'] for d in items(ds)] == want
        assert ds.get_data_info(0)['domain'] == 'fer2013'


def test_sfew(roots):
    root = roots['sfew']
    total = 0
    for split, sub in (('train', 'Train/Train_Aligned_Faces'),
                       ('val', 'Val/Val_Aligned_Faces')):
        ds = SFEWDataset(root, split=split)
        assert ds.metainfo['classes'] == (
            'anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness',
            'surprise')
        for d in items(ds):
            folder = os.path.basename(os.path.dirname(d['img_path']))
            assert ds.metainfo['classes'][d['gt_label']] == \
                canonical_expression(folder)
            assert sub in d['img_path'] and d['domain'] == 'sfew'
        total += len(ds)
    assert total == 27


def test_expw_boxes_and_deterministic_image_split(roots, tmp_path):
    root = roots['expw']
    with open(os.path.join(root, 'label/label.lst')) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    ds = ExpWDataset(root)
    assert len(ds) == len(lines)
    assert ds.metainfo['classes'] == dataset_classes('expw')
    for d, f in zip(items(ds), lines):
        top, left, right, bottom = map(int, f[2:6])
        assert d['face_box'] == [left, top, right, bottom]
        assert d['gt_label'] == int(f[7]) and d['domain'] == 'expw'
        assert d['face_id'] == int(f[1])
    parts = {s: ExpWDataset(root, split=s, val_ratio=0.2, test_ratio=0.2)
             for s in ('train', 'val', 'test')}
    imgs = {s: {d['image_name'] for d in items(p)} for s, p in parts.items()}
    assert sum(len(p) for p in parts.values()) == len(ds)
    assert not (imgs['train'] & imgs['val'] or imgs['train'] & imgs['test']
                or imgs['val'] & imgs['test'])  # by image: faces together
    assert len(imgs['test']) == len(imgs['val']) == 4  # ceil(0.2 * 18)
    again = ExpWDataset(root, split='test', val_ratio=0.2, test_ratio=0.2)
    assert {d['image_name'] for d in items(again)} == imgs['test']
    other = ExpWDataset(root, split='test', val_ratio=0.2, test_ratio=0.2,
                        seed=5)
    assert {d['image_name'] for d in items(other)} != imgs['test']
    split_file = tmp_path / 'mine.txt'
    split_file.write_text('\n'.join(sorted(imgs['val'])) + '\n')
    by_file = ExpWDataset(root, split_file=str(split_file))
    assert {d['image_name'] for d in items(by_file)} == imgs['val']
    split_file.write_text('nope.jpg\n')
    with pytest.raises(ValueError, match='mine.txt lists 1 image'):
        ExpWDataset(root, split_file=str(split_file))


def test_jaffe_subjects(roots):
    root = roots['jaffe']
    ds = JAFFEDataset(root)
    assert len(ds) == 3 * 7
    assert ds.metainfo['classes'] == dataset_classes('jaffe')
    for d in items(ds):
        code = os.path.basename(d['img_path']).split('.')[1][:2]
        assert ds.metainfo['classes'][d['gt_label']] == \
            canonical_expression(code)
        assert d['domain'] == 'jaffe'
    assert {d['subject'] for d in items(ds)} == {'KA', 'KL', 'KM'}
    sub = JAFFEDataset(root, subjects=['KL'])
    assert len(sub) == 7 and {d['subject'] for d in items(sub)} == {'KL'}


def test_one_shared_label_space_across_databases(roots, tmp_path):
    """label_space='rafdb', unmapped='drop' gives every database RAF-DB's
    7-class order; each sample keeps its expression name."""
    target = dataset_classes('rafdb')
    cache = str(tmp_path / 'cache')
    makers = [
        (RAFDBDataset, roots['rafdb'], {}),
        (AffectNetDataset, roots['affectnet'], {}),
        (FERPlusDataset, roots['ferplus'], dict(cache_dir=cache)),
        (FER2013Dataset, roots['ferplus'], dict(cache_dir=cache)),
        (SFEWDataset, roots['sfew'], {}),
        (ExpWDataset, roots['expw'], {}),
        (JAFFEDataset, roots['jaffe'], {}),
    ]
    for cls, root, kw in makers:
        own = cls(root, **kw)
        shared = cls(root, label_space='rafdb', unmapped='drop', **kw)
        assert shared.metainfo['classes'] == target
        names = {(d['img_path'], str(d.get('face_box'))):
                 own.metainfo['classes'][d['gt_label']] for d in items(own)}
        got = {(d['img_path'], str(d.get('face_box'))): target[d['gt_label']]
               for d in items(shared)}
        lacking = {k for k, n in names.items() if n not in target}
        assert got == {k: n for k, n in names.items() if k not in lacking}
        if cls is FERPlusDataset:
            assert lacking  # contempt is dropped (with a logged count)
            with pytest.raises(ValueError, match="unmapped='drop'"):
                cls(root, label_space='rafdb', **kw)


# ----------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------
def test_label_file_naming_a_missing_image(copy_of):
    root = copy_of('rafdb')
    with open(os.path.join(root, 'basic/EmoLabel/list_patition_label.txt'),
              'a') as f:
        f.write('train_09999.jpg 3\n')
    with pytest.raises(FileNotFoundError) as e:
        RAFDBDataset(root)
    msg = str(e.value)
    assert 'train_09999_aligned.jpg' in msg
    assert 'list_patition_label.txt' in msg and 'regenerate' in msg


@pytest.mark.parametrize('line, why', [
    ('train_00001.jpg\n', 'expected 2 fields'),
    ('train_00001.jpg 8\n', r'label must be one of \[1, 2'),
    ('val_0001.jpg 3\n', 'the image name must start with train_'),
])
def test_rafdb_malformed_line_names_file_and_line(copy_of, line, why):
    root = copy_of('rafdb')
    path = os.path.join(root, 'basic/EmoLabel/list_patition_label.txt')
    with open(path) as f:
        n = sum(1 for _ in f)
    with open(path, 'a') as f:
        f.write(line)
    with pytest.raises(ValueError, match=f'list_patition_label.txt line '
                       f'{n + 1}: {why}'):
        RAFDBDataset(root)


def test_expw_malformed_line(copy_of):
    root = copy_of('expw')
    path = os.path.join(root, 'label/label.lst')
    with open(path) as f:
        lines = f.readlines()
    lines.insert(2, 'a.jpg 0 1 2 3 4 0.5\n')  # 7 fields
    with open(path, 'w') as f:
        f.writelines(lines)
    with pytest.raises(ValueError, match='label.lst line 3: expected 8 '):
        ExpWDataset(root)
    lines[2] = 'a.jpg 0 1 2 3 4 0.5 7\n'
    with open(path, 'w') as f:
        f.writelines(lines)
    with pytest.raises(ValueError, match='line 3: expression_label must be'):
        ExpWDataset(root)


def test_affectnet_bad_code_and_columns(copy_of):
    root = copy_of('affectnet')
    path = os.path.join(root, 'Manually_Annotated_file_lists', 'training.csv')
    with open(path) as f:
        rows = list(csv.reader(f))
    rows[2][6] = '11'
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(ValueError, match='training.csv line 3: expression '
                       'must be one of'):
        AffectNetDataset(root)
    rows[2] = rows[2][:5]
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(ValueError, match='line 3: expected the 9 columns'):
        AffectNetDataset(root)


def test_fer2013_bad_pixels(tmp_path):
    root = tmp_path / 'fer'
    root.mkdir()
    (root / 'fer2013.csv').write_text('emotion,pixels,Usage\n'
                                      '0,1 2 3,Training\n')
    with pytest.raises(ValueError, match='fer2013.csv line 2: pixels must '
                       'hold 2304 values'):
        FER2013Dataset(str(root))


def test_sfew_unknown_class_folder(copy_of):
    root = copy_of('sfew')
    os.makedirs(os.path.join(root, 'Train/Train_Aligned_Faces/Bored'))
    with pytest.raises(ValueError, match='unknown class folder .*Bored.*'
                       'Angry'):
        SFEWDataset(root)


def test_jaffe_unknown_code(copy_of):
    root = copy_of('jaffe')
    src = sorted(os.listdir(os.path.join(root, 'jaffedbase')))[0]
    shutil.copy(os.path.join(root, 'jaffedbase', src),
                os.path.join(root, 'jaffedbase', 'KA.XX1.99.tiff'))
    with pytest.raises(ValueError, match=r'KA\.XX1\.99\.tiff is not a JAFFE'):
        JAFFEDataset(root)


def test_bad_arguments_and_missing_data(tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        RAFDBDataset(str(tmp_path), split='val')
    with pytest.raises(ValueError, match='num_classes must be 7 or 8'):
        AffectNetDataset(str(tmp_path), num_classes=6)
    with pytest.raises(ValueError, match="source must be one of"):
        FERPlusDataset(str(tmp_path), source='zip')
    with pytest.raises(FileNotFoundError, match='make_synthface.py --layout '
                       'sfew'):
        SFEWDataset(str(tmp_path / 'none'))


def test_auto_generate(tmp_path):
    root = str(tmp_path / 'jaffe')
    ds = JAFFEDataset(root, auto_generate=dict(subjects=2, samples=1,
                                               size=32))
    assert len(ds) == 14 and os.path.isfile(os.path.join(root, 'meta.json'))
