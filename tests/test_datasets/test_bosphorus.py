"""BosphorusDataset: emotion codes -> classes, other codes ignored and
counted, CM-CNN's 60-random-subject protocol, and bad input."""
import os
import os.path as osp
import shutil
from collections import Counter

import pytest

from mmfer.datasets import BosphorusDataset
from mmfer.datasets.bosphorus import (BOSPHORUS_EMOTION_CODES,
                                      BOSPHORUS_FOLD_PROTOCOL, SCAN_RE)
from mmfer.datasets.protocols import build_protocol
from mmfer.datasets.synthface import generate_layout
from mmfer.structures.expressions import DATASET_CLASSES


@pytest.fixture(scope='module')
def bs_root(tmp_path_factory):
    # 3 subjects x (6 emotions + N_N, YR_R10, LFAU_12)
    root = tmp_path_factory.mktemp('bosphorus') / 'Bosphorus'
    generate_layout('bosphorus', root, subjects=3, size=48, grid_step=4,
                    verbose=False)
    return str(root)


def _copy(src, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(src, dst)
    os.remove(osp.join(dst, 'meta.json'))
    return dst


def test_codes_to_classes_and_keys(bs_root):
    ds = BosphorusDataset(bs_root)
    assert ds.metainfo['classes'] == DATASET_CLASSES['bosphorus']
    assert len(ds) == 3 * 6
    # the other codes are ignored, counted by prefix
    assert ds.ignored == {'N': 3, 'YR': 3, 'LFAU': 3}
    expected = {'E_ANGER': 'anger', 'E_DISGUST': 'disgust', 'E_FEAR': 'fear',
                'E_HAPPY': 'happiness', 'E_SADNESS': 'sadness',
                'E_SURPRISE': 'surprise'}
    for i in range(len(ds)):
        d = ds.get_data_info(i)
        assert ds.metainfo['classes'][d['gt_label']] == expected[d['code']]
        stem = d['scan_path'][:-4]
        assert d['scan_path'].endswith(f'{d["subject"]}_{d["code"]}_0.bnt')
        assert d['img_path'] == stem + '.png' and osp.isfile(d['img_path'])
        assert d['landmark_path'] == stem + '.lm3'
        assert d['take'] == 0 and d['domain'] == 'bosphorus'
    assert Counter(ds.get_gt_labels().tolist()) == {k: 3 for k in range(6)}


def test_scan_name_pattern():
    for name, code, take in (('bs000_E_ANGER_0.bnt', 'E_ANGER', '0'),
                             ('bs012_N_N_1.bnt', 'N_N', '1'),
                             ('bs104_YR_R10_0.bnt', 'YR_R10', '0'),
                             ('bs003_LFAU_12_0.bnt', 'LFAU_12', '0'),
                             ('bs003_CAU_A22_0.bnt', 'CAU_A22', '0'),
                             ('bs007_O_EYE_0.bnt', 'O_EYE', '0')):
        m = SCAN_RE.fullmatch(name)
        assert m and (m['code'], m['take']) == (code, take)
    assert SCAN_RE.fullmatch('bs00_E_ANGER_0.bnt') is None


def test_require_all_expressions(bs_root, tmp_path):
    root = _copy(bs_root, tmp_path)
    os.remove(osp.join(root, 'bs001', 'bs001_E_FEAR_0.bnt'))
    assert len(BosphorusDataset(root)) == 17
    ds = BosphorusDataset(root, require_all_expressions=True)
    assert len(ds) == 12 and {ds.get_data_info(i)['subject']
                              for i in range(len(ds))} == {'bs000', 'bs002'}
    with pytest.raises(ValueError, match='bs001'):
        BosphorusDataset(root, require_all_expressions=True,
                         subjects=['bs001'])


def test_cmcnn_protocol_60_random_subjects(tmp_path):
    """105 subjects (empty files): 60 drawn, ten folds of 6, 360 samples."""
    root = tmp_path / 'full'
    for i in range(105):
        sid = f'bs{i:03d}'
        os.makedirs(root / sid)
        codes = BOSPHORUS_EMOTION_CODES if i % 7 else (
            BOSPHORUS_EMOTION_CODES[:5])         # 15 subjects lack E_SURPRISE
        for code in codes + ('N_N', 'YR_R10'):
            for ext in ('.bnt', '.png'):
                (root / sid / f'{sid}_{code}_0{ext}').touch()
    ds_cfg = dict(type='BosphorusDataset', data_root=str(root),
                  require_all_expressions=True)
    cfg = dict(train_dataloader=dict(dataset=ds_cfg), val_dataloader=None,
               test_dataloader=None, fold_protocol=BOSPHORUS_FOLD_PROTOCOL)
    p = build_protocol(cfg)
    p.prepare(cfg)
    assert p.num_folds == 10 and len(p.subjects) == 60
    assert not {f'bs{i:03d}' for i in range(0, 105, 7)} & set(p.subjects)
    tested = []
    for k in p.folds:
        fold = p.get_fold(k)
        assert len(fold.test) == 6 and len(fold.train) == 54
        tested += fold.test
    assert sorted(tested) == sorted(p.subjects)
    assert len(BosphorusDataset(str(root), subjects=p.subjects)) == 360
    assert len(BosphorusDataset(str(root), subjects=p.get_fold(3).test)) == 36


def test_bad_input(bs_root, tmp_path):
    root = _copy(bs_root, tmp_path)
    scan = osp.join(root, 'bs000', 'bs000_E_ANGER_0.bnt')
    bad = osp.join(root, 'bs000', 'bs000_E_CONTEMPT_0.bnt')
    shutil.copy(scan, bad)
    with pytest.raises(ValueError, match=r"bs000_E_CONTEMPT_0\.bnt has the "
                       "unknown emotion code 'E_CONTEMPT'"):
        BosphorusDataset(root)
    os.remove(bad)
    bad = osp.join(root, 'bs000', 'bs000-E_ANGER.bnt')
    shutil.copy(scan, bad)
    with pytest.raises(ValueError, match=r'bs000-E_ANGER\.bnt does not '
                       'follow'):
        BosphorusDataset(root)
    os.remove(bad)
    os.remove(scan[:-4] + '.png')
    with pytest.raises(FileNotFoundError, match=r'no 2-D image .*'
                       r'bs000_E_ANGER_0\.png'):
        BosphorusDataset(root)
    with pytest.raises(FileNotFoundError) as e:
        BosphorusDataset(bs_root, depth_root=str(tmp_path / 'depth'))
    assert 'bs000_E_ANGER_0_depth.png' in str(e.value) and (
        'scans_to_depth.py --dataset bosphorus' in str(e.value))
    with pytest.raises(ValueError, match='needs depth_root'):
        BosphorusDataset(bs_root, modalities=('depth', ))
