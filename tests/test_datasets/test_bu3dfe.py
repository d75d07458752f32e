"""BU3DFEDataset: the BU-3DFE layout, intensity / expression selection, the
CM-CNN and literature protocols, and bad input."""
import os
import os.path as osp
import shutil
from collections import Counter

import cv2
import numpy as np
import pytest

from mmfer.datasets import BU3DFEDataset
from mmfer.datasets.bu3dfe import (BU3DFE_EXPRESSION_CODES,
                                   BU3DFE_FIXED_SUBJECTS, BU3DFE_RACES,
                                   bu3dfe_protocol)
from mmfer.datasets.protocols import build_protocol
from mmfer.datasets.synthface import generate_layout
from mmfer.structures.expressions import DATASET_CLASSES

ALL_SUBJECTS = [f'F{i:04d}' for i in range(1, 57)] + [
    f'M{i:04d}' for i in range(1, 45)]


@pytest.fixture(scope='module')
def bu_root(tmp_path_factory):
    # 4 subjects (F0001, M0001, F0002, M0002) x (6 x 4 levels + NE00)
    root = tmp_path_factory.mktemp('bu3dfe') / 'BU3DFE'
    generate_layout('bu3dfe', root, subjects=4, size=48, mesh_step=4,
                    verbose=False)
    return str(root)


@pytest.fixture(scope='module')
def full_root(tmp_path_factory):
    """Empty files named like the full release, 100 subjects: levels 3 and
    4 of the six expressions, plus AN01 and NE00 (filtered out)."""
    root = tmp_path_factory.mktemp('bu3dfe_full')
    for k, sid in enumerate(ALL_SUBJECTS):
        race = BU3DFE_RACES[k % len(BU3DFE_RACES)]
        os.makedirs(root / sid)
        stems = [f'{sid}_{c}{lv:02d}{race}' for c in BU3DFE_EXPRESSION_CODES
                 for lv in (3, 4)] + [f'{sid}_AN01{race}', f'{sid}_NE00{race}']
        for stem in stems:
            for suffix in ('_F3D.wrl', '_F2D.bmp'):
                (root / sid / f'{stem}{suffix}').touch()
    return str(root)


def _copy(src, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(src, dst)
    os.remove(osp.join(dst, 'meta.json'))   # real data: never regenerated
    return dst


# ----------------------------------------------------------------------
# Layout, labels, keys
# ----------------------------------------------------------------------
def test_samples_labels_and_keys(bu_root):
    ds = BU3DFEDataset(bu_root)               # default: level 4, 6 classes
    assert ds.metainfo['classes'] == DATASET_CLASSES['bu3dfe']
    assert len(ds) == 4 * 6
    assert Counter(ds.get_gt_labels().tolist()) == {k: 4 for k in range(6)}
    for i in range(len(ds)):
        d = ds.get_data_info(i)
        name = osp.basename(d['scan_path'])
        code = name.split('_')[1][:2]
        # the file's code names the class (AN -> anger, ..., SU -> surprise)
        assert ds.metainfo['classes'][d['gt_label']] == {
            'AN': 'anger', 'DI': 'disgust', 'FE': 'fear', 'HA': 'happiness',
            'SA': 'sadness', 'SU': 'surprise'}[code]
        assert d['expression'] == ds.metainfo['classes'][d['gt_label']]
        assert name.endswith('_F3D.wrl') and name[8:10] == '04'
        assert d['img_path'] == d['scan_path'][:-8] + '_F2D.bmp'
        assert osp.isfile(d['img_path'])
        assert d['subject'] == name[:5] == osp.basename(
            osp.dirname(d['scan_path']))
        assert d['intensity'] == 4 and d['race'] in BU3DFE_RACES
        assert d['race'] == name[10:12]
        assert d['domain'] == 'bu3dfe' and 'depth_path' not in d
    assert sorted({ds.get_data_info(i)['subject'] for i in range(len(ds))}
                  ) == ['F0001', 'F0002', 'M0001', 'M0002']


def test_intensity_expression_and_neutral_selection(bu_root):
    ds = BU3DFEDataset(bu_root, intensities=(3, 4))
    assert len(ds) == 4 * 6 * 2
    assert {ds.get_data_info(i)['intensity'] for i in range(len(ds))} == {
        3, 4}
    ds = BU3DFEDataset(bu_root, intensities=(1, 2, 3, 4),
                       include_neutral=True)
    assert len(ds) == 4 * 25
    assert ds.metainfo['classes'][-1] == 'neutral'
    neutral = [ds.get_data_info(i) for i in range(len(ds))
               if ds.get_data_info(i)['gt_label'] == 6]
    assert len(neutral) == 4 and all(d['intensity'] == 0 and '_NE00' in
                                     d['scan_path'] for d in neutral)
    # a subset of codes, in the given label order
    ds = BU3DFEDataset(bu_root, expressions=('HA', 'SA'))
    assert ds.metainfo['classes'] == ('happiness', 'sadness')
    assert len(ds) == 8 and all(
        ('_HA04' in ds.get_data_info(i)['scan_path']) ==
        (ds.get_data_info(i)['gt_label'] == 0) for i in range(len(ds)))
    ds = BU3DFEDataset(bu_root, subjects=['M0002'])
    assert len(ds) == 6
    # label_space: express labels in another dataset's order by name
    ds = BU3DFEDataset(bu_root, label_space='dfew')
    assert ds.metainfo['classes'] == DATASET_CLASSES['dfew']
    with pytest.raises(ValueError, match='levels among'):
        BU3DFEDataset(bu_root, intensities=(5, ))
    with pytest.raises(ValueError, match='distinct codes'):
        BU3DFEDataset(bu_root, expressions=('HA', 'XX'))


# ----------------------------------------------------------------------
# Protocols
# ----------------------------------------------------------------------
def test_fixed_subject_list_keeps_the_sex_ratio():
    assert len(BU3DFE_FIXED_SUBJECTS) == len(set(BU3DFE_FIXED_SUBJECTS)) == 60
    sexes = Counter(s[0] for s in BU3DFE_FIXED_SUBJECTS)
    assert sexes == {'F': 34, 'M': 26}         # 56 / 44 of 100, rounded
    assert set(BU3DFE_FIXED_SUBJECTS) <= set(ALL_SUBJECTS)
    with pytest.raises(ValueError, match='unknown BU-3DFE protocol'):
        bu3dfe_protocol('p3')


@pytest.mark.parametrize('protocol,levels,count', [
    ('cmcnn-p1', {4}, 360), ('cmcnn-p2', {3}, 360),
    ('literature-p1', {3, 4}, 720), ('literature-p2', {3, 4}, 1200)])
def test_protocol_sample_counts(full_root, protocol, levels, count):
    ds = BU3DFEDataset(full_root, protocol=protocol)
    assert len(ds) == count
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert {d['intensity'] for d in infos} == levels
    subjects = {d['subject'] for d in infos}
    assert len(subjects) == (100 if protocol == 'literature-p2' else 60)
    if protocol != 'literature-p2':
        assert subjects == set(BU3DFE_FIXED_SUBJECTS)
    # 6 expressions per subject and level, balanced classes
    assert Counter(ds.get_gt_labels().tolist()) == {
        k: count // 6 for k in range(6)}


def test_literature_p2_draws_60_subjects_anew_each_round(full_root):
    ds_cfg = dict(type='BU3DFEDataset', data_root=full_root,
                  protocol='literature-p2')
    cfg = dict(train_dataloader=dict(dataset=dict(ds_cfg)),
               val_dataloader=dict(dataset=dict(ds_cfg)),
               test_dataloader=dict(dataset=dict(ds_cfg)),
               fold_protocol=bu3dfe_protocol('literature-p2')['fold_protocol'])
    p = build_protocol(cfg)
    p.prepare(cfg)
    assert p.rounds == 10 and p.folds_per_round == 10 and p.num_folds == 100
    draws = [set(r) for r in p.round_subjects]
    assert all(len(d) == 60 for d in draws)
    assert len({frozenset(d) for d in draws}) == 10   # new draw every round
    for r in (0, 3):
        folds = [p.get_fold(r * 10 + j) for j in range(1, 11)]
        tested = [s for f in folds for s in f.test]
        assert sorted(tested) == sorted(draws[r])     # each tested once
        assert all(len(f.test) == 6 and len(f.train) == 54 and
                   set(f.train) | set(f.test) == draws[r] for f in folds)
    # one fold applied to the config: 54 x 12 train, 6 x 12 test samples
    fold = p.apply(cfg, 12)
    train = BU3DFEDataset(**{k: v for k, v in
                             cfg['train_dataloader']['dataset'].items()
                             if k != 'type'})
    test = BU3DFEDataset(**{k: v for k, v in
                            cfg['test_dataloader']['dataset'].items()
                            if k != 'type'})
    assert len(train) == 54 * 12 and len(test) == 6 * 12
    assert set(fold.test) == {test.get_data_info(i)['subject']
                              for i in range(len(test))}


def test_cmcnn_folds_partition_the_fixed_subjects(full_root):
    ds_cfg = dict(type='BU3DFEDataset', data_root=full_root,
                  protocol='cmcnn-p1')
    cfg = dict(train_dataloader=dict(dataset=ds_cfg), val_dataloader=None,
               test_dataloader=None,
               fold_protocol=bu3dfe_protocol('cmcnn-p1')['fold_protocol'])
    p = build_protocol(cfg)
    p.prepare(cfg)                  # subjects read from the dataset: 60
    assert p.num_folds == 10
    tested = [s for k in p.folds for s in p.get_fold(k).test]
    assert sorted(tested) == sorted(BU3DFE_FIXED_SUBJECTS)
    # a fold's subjects within the protocol: 6 subjects x 6 = 36 samples
    ds = BU3DFEDataset(full_root, protocol='cmcnn-p1',
                       subjects=p.get_fold(1).test)
    assert len(ds) == 36


def test_protocol_argument_errors(full_root, bu_root):
    with pytest.raises(ValueError, match='intensities'):
        BU3DFEDataset(full_root, protocol='cmcnn-p1', intensities=(3, ))
    with pytest.raises(ValueError, match='not among the 60 subjects'):
        BU3DFEDataset(full_root, protocol='cmcnn-p1', subjects=['M0044'])
    # the fixed list needs the full database: the missing subjects are named
    with pytest.raises(ValueError, match='F0003'):
        BU3DFEDataset(bu_root, protocol='cmcnn-p1')


# ----------------------------------------------------------------------
# Depth images and bad input
# ----------------------------------------------------------------------
def test_depth_root(bu_root, tmp_path):
    depth_root = tmp_path / 'depth'
    ds = BU3DFEDataset(bu_root, subjects=['F0001'])
    for i in range(len(ds)):
        d = ds.get_data_info(i)
        stem = osp.splitext(osp.basename(d['scan_path']))[0]
        path = depth_root / 'F0001' / f'{stem}_depth.png'
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), np.full((8, 8), 6000, np.uint16))
    ds = BU3DFEDataset(bu_root, subjects=['F0001'], depth_root=str(depth_root),
                       modalities=('rgb', 'depth'))
    d = ds.get_data_info(0)
    assert d['depth_path'] == str(
        depth_root / 'F0001' / 'F0001_AN04{}_F3D_depth.png'.format(d['race']))
    # a scan without its depth image: the error names it and the converter
    with pytest.raises(FileNotFoundError) as e:
        BU3DFEDataset(bu_root, subjects=['F0001', 'M0001'],
                      depth_root=str(depth_root))
    assert 'M0001_AN04' in str(e.value) and (
        'scans_to_depth.py --dataset bu3dfe' in str(e.value))
    with pytest.raises(ValueError, match='needs depth_root'):
        BU3DFEDataset(bu_root, modalities=('rgb', 'depth'))


def test_bad_files(bu_root, tmp_path):
    root = _copy(bu_root, tmp_path)
    scan = osp.join(root, 'F0001', sorted(
        f for f in os.listdir(osp.join(root, 'F0001'))
        if f.endswith('_F3D.wrl'))[0])
    # unknown expression code
    bad = osp.join(root, 'F0001', 'F0001_XX04WH_F3D.wrl')
    shutil.copy(scan, bad)
    with pytest.raises(ValueError, match=r'F0001_XX04WH_F3D\.wrl.*unknown '
                       "expression code 'XX'"):
        BU3DFEDataset(root)
    os.remove(bad)
    # a name that does not follow the pattern
    bad = osp.join(root, 'F0001', 'F0001_AN4WH_F3D.wrl')
    shutil.copy(scan, bad)
    with pytest.raises(ValueError, match=r'F0001_AN4WH_F3D\.wrl does not '
                       'follow'):
        BU3DFEDataset(root)
    os.remove(bad)
    # a scan in another subject's folder
    bad = osp.join(root, 'M0001', osp.basename(scan))
    shutil.copy(scan, bad)
    with pytest.raises(ValueError, match='belongs to subject F0001'):
        BU3DFEDataset(root, intensities=(1, 2, 3, 4))
    os.remove(bad)
    # a scan whose texture image is missing
    os.remove(scan[:-8] + '_F2D.bmp')
    with pytest.raises(FileNotFoundError) as e:
        BU3DFEDataset(root, intensities=(1, 2, 3, 4))
    assert osp.basename(scan[:-8]) + '_F2D.bmp' in str(e.value)
    # without rgb only the meshes are needed
    assert len(BU3DFEDataset(root, intensities=(1, 2, 3, 4),
                             modalities=())) == 4 * 24
    with pytest.raises(FileNotFoundError, match='no subject folder'):
        BU3DFEDataset(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='auto_generate'):
        BU3DFEDataset(str(tmp_path / 'absent'))


def test_auto_generate(tmp_path):
    root = str(tmp_path / 'gen')
    ds = BU3DFEDataset(root, intensities=(3, 4), auto_generate=dict(
        subjects=2, intensities=[3, 4], neutral=False, size=32,
        mesh_step=8))
    assert len(ds) == 2 * 12 and osp.isfile(osp.join(root, 'meta.json'))
