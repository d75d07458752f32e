"""mmfer.datasets.protocols: fold lists of the four protocol kinds and how
they edit a training config."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmfer.datasets import DFEWDataset
from mmfer.datasets.protocols import (BP4D_PARTS, DISFA_PARTS,
                                      LeaveOneDatasetOut, OfficialSplitFiles,
                                      RandomSubjectKFold, SubjectKFold,
                                      build_protocol, get_fold_subjects)
from mmfer.registry import PROTOCOLS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets')


def _check_partition(protocol, pool):
    """Subject-exclusive, every unit tested exactly once, train = rest."""
    tested = []
    for k in protocol.folds:
        f = protocol.get_fold(k)
        assert f.index == k
        assert not set(f.train) & set(f.test)
        assert set(f.train) | set(f.test) == set(pool)
        tested += f.test
    assert sorted(tested) == sorted(pool)


# ----------------------------------------------------------------------
# Published parts
# ----------------------------------------------------------------------
@pytest.mark.parametrize('name,parts,sizes', [
    ('bp4d', BP4D_PARTS, [14, 14, 13]), ('disfa', DISFA_PARTS, [9, 9, 9])])
def test_published_parts_follow_jaa_net(name, parts, sizes):
    p = PROTOCOLS.build(dict(type='SubjectKFold', parts=name))
    assert p.num_folds == 3 and p.folds == [1, 2, 3]
    assert [len(parts[i]) for i in (1, 2, 3)] == sizes
    _check_partition(p, [s for v in parts.values() for s in v])
    # fold 1 tests part 3, fold 2 part 2, fold 3 part 1
    for fold, part in ((1, 3), (2, 2), (3, 1)):
        assert p.get_fold(fold).test == parts[part]
        assert get_fold_subjects(name, fold, 'test') == list(parts[part])
        assert get_fold_subjects(name, fold, 'val') == list(parts[part])
        assert get_fold_subjects(name, fold, 'train') == list(
            p.get_fold(fold).train)


def test_subject_kfold_custom_parts_and_errors():
    p = SubjectKFold(parts={1: ['a', 'b'], 2: ['c'], 3: ['d', 'e']})
    assert p.assign == 'subjects' and p.num_folds == 3
    assert p.get_fold(2).test == ('c', ) and p.get_fold(2).train == (
        'a', 'b', 'd', 'e')
    _check_partition(p, 'abcde')
    with pytest.raises(ValueError, match='several parts'):
        SubjectKFold(parts={1: ['a'], 2: ['a']})
    with pytest.raises(ValueError, match='num_folds=4'):
        SubjectKFold(parts='bp4d', num_folds=4)
    with pytest.raises(ValueError, match='one to one'):
        SubjectKFold(parts='bp4d', test_part={1: 1, 2: 1, 3: 2})
    with pytest.raises(ValueError, match='no published parts'):
        SubjectKFold(parts='affectnet')
    with pytest.raises(ValueError, match='fold must be 1, 2, 3'):
        p.get_fold(4)
    with pytest.raises(ValueError, match='fold must be 1, 2, 3'):
        get_fold_subjects('bp4d', 0, 'train')
    with pytest.raises(ValueError, match='split must be'):
        get_fold_subjects('bp4d', 1, 'dev')
    assert get_fold_subjects('disfa', None) is None


def test_subject_kfold_edits_the_three_datasets_of_bp4d_config():
    cfg = Config.fromfile(osp.join(BASE, 'bp4d_au.py'))
    p = build_protocol(cfg)
    assert isinstance(p, SubjectKFold) and p.name == 'bp4d'
    p.apply(cfg, 2)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key]['dataset']['fold'] == 2
    # explicit parts: train datasets get the training subjects
    q = SubjectKFold(parts={1: ['F001'], 2: ['M011']})
    cfg2 = Config.fromfile(osp.join(BASE, 'bp4d_au.py'))
    q.apply(cfg2, 1)
    assert cfg2.train_dataloader.dataset.subjects == ['M011']
    assert cfg2.val_dataloader.dataset.subjects == ['F001']
    assert cfg2.train_dataloader.dataset.fold is None


def test_published_parts_refuse_a_dataset_without_that_protocol():
    # BP4D+ takes ``fold`` through AUFrameDataset but has no published
    # parts: the protocol must say so before any training starts.
    cfg = Config.fromfile(osp.join(BASE, 'bp4d_au.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key]['dataset']['type'] = 'BP4DPlusDataset'
        cfg[key]['dataset'].pop('fold', None)
    with pytest.raises(KeyError, match='BP4DPlusDataset'):
        SubjectKFold(parts='bp4d').apply(cfg, 1)
    # explicit subject lists work for it
    SubjectKFold(parts={1: ['F001'], 2: ['M011']}).apply(cfg, 2)
    assert cfg.train_dataloader.dataset.subjects == ['F001']


# ----------------------------------------------------------------------
# Seeded random subjects (CM-CNN: 60 of the subjects, ten folds)
# ----------------------------------------------------------------------
def test_random_subject_kfold_is_exclusive_even_and_seeded():
    pool = [f'S{i:03d}' for i in range(100)]
    p = RandomSubjectKFold(num_folds=10, seed=3, num_subjects=60,
                           subjects=pool)
    assert len(p.subjects) == 60 and set(p.subjects) <= set(pool)
    _check_partition(p, p.subjects)
    assert [len(p.get_fold(k).test) for k in p.folds] == [6] * 10
    again = RandomSubjectKFold(num_folds=10, seed=3, num_subjects=60,
                               subjects=list(reversed(pool)) + pool[:5])
    assert [again.get_fold(k) for k in again.folds] == [
        p.get_fold(k) for k in p.folds]  # order / duplicates do not matter
    other = RandomSubjectKFold(num_folds=10, seed=4, num_subjects=60,
                               subjects=pool)
    assert other.subjects != p.subjects
    # uneven: 7 subjects in 3 folds -> 3, 2, 2
    q = RandomSubjectKFold(num_folds=3, seed=0, subjects='abcdefg')
    assert sorted(len(q.get_fold(k).test) for k in q.folds) == [2, 2, 3]
    with pytest.raises(ValueError, match='cannot make'):
        RandomSubjectKFold(num_folds=5, subjects='abc')
    with pytest.raises(ValueError, match='only 3 subjects'):
        RandomSubjectKFold(num_folds=2, num_subjects=4, subjects='abc')
    with pytest.raises(RuntimeError, match='not known yet'):
        RandomSubjectKFold(num_folds=2).get_fold(1)


def test_random_subject_kfold_reads_subjects_and_builds_folds(tmp_path):
    from mmfer.datasets.synthface import generate_layout
    from mmfer.registry import DATASETS
    root = str(tmp_path / 'sf')
    generate_layout('synthface', root, subjects=4, samples=4, seed=0,
                    size=32, verbose=False)
    cfg = Config.fromfile(osp.join(BASE, 'synthface_expr_rgb64.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key]['dataset'].update(data_root=root, auto_generate=None)
    p = build_protocol(cfg)
    assert isinstance(p, RandomSubjectKFold) and p.num_folds == 3
    p.prepare(cfg)  # reads the 4 subjects through split='all'
    assert len(p.subjects) == 4
    seen = []
    for k in p.folds:
        fcfg = Config.fromfile(osp.join(BASE, 'synthface_expr_rgb64.py'))
        for key in ('train_dataloader', 'val_dataloader'):
            fcfg[key]['dataset'].update(data_root=root, auto_generate=None)
        fold = p.apply(fcfg, k)
        train = DATASETS.build(fcfg.train_dataloader.dataset)
        val = DATASETS.build(fcfg.val_dataloader.dataset)
        subj = lambda ds: {ds.get_data_info(i)['subject']  # noqa: E731
                           for i in range(len(ds))}
        assert subj(train) == set(fold.train)
        assert subj(val) == set(fold.test)
        seen += sorted(subj(val))
    assert sorted(seen) == sorted(p.subjects)


# ----------------------------------------------------------------------
# Official split files (DFEW / MAFW)
# ----------------------------------------------------------------------
def test_official_split_files_select_each_folds_test_set(tmp_path):
    from mmfer.datasets.synthface import generate_layout
    from mmfer.registry import DATASETS
    root = str(tmp_path / 'dfew')
    generate_layout('dfew', root, subjects=5, samples=2, size=32, frames=8,
                    verbose=False)
    tested = []
    for k in (1, 2):
        cfg = Config.fromfile(osp.join(BASE, 'synthface_dfew_64px.py'))
        p = build_protocol(cfg)
        assert isinstance(p, OfficialSplitFiles) and p.num_folds == 5
        p.prepare(cfg)
        fold = p.apply(cfg, k)
        assert fold.unit == 'file'
        assert fold.test == (osp.join('EmoLabel_DataSplit',
                                      'test(single-labeled)',
                                      f'set_{k}.csv'), )
        ds_cfg = cfg.test_dataloader.dataset
        assert ds_cfg.fold == k and cfg.train_dataloader.dataset.fold == k
        ds_cfg.update(data_root=root, auto_generate=None, pipeline=[])
        ds = DATASETS.build(ds_cfg)
        ref = DFEWDataset(root, fold=k, split='test')
        ids = [ds.get_data_info(i)['clip_id'] for i in range(len(ds))]
        assert ids == [ref.get_data_info(i)['clip_id']
                       for i in range(len(ref))]
        tested.append(set(ids))
    assert tested[0].isdisjoint(tested[1])


def test_official_split_files_look_through_wrappers_and_reject_others():
    p = OfficialSplitFiles(num_folds=5, cfg_keys=['train_dataloader.dataset'])
    cfg = dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2,
        dataset=dict(type='DFEWDataset', data_root='x'))))
    p.apply(cfg, 4)
    assert cfg['train_dataloader']['dataset']['dataset']['fold'] == 4
    bad = dict(train_dataloader=dict(dataset=dict(type='SynthFaceDataset')))
    with pytest.raises(KeyError, match='no "fold" argument'):
        p.apply(bad, 1)
    with pytest.raises(ValueError, match='fold must be 1, 2, 3, 4, 5'):
        p.apply(cfg, 6)
    with pytest.raises(KeyError, match='has no .train_dataloader.dataset'):
        p.apply(dict(), 1)
    # a dataloader switched off (--no-validate) is skipped
    q = OfficialSplitFiles(num_folds=5)
    cfg['val_dataloader'] = None
    cfg['test_dataloader'] = dict(dataset=dict(type='DFEWDataset'))
    q.apply(cfg, 3)
    assert cfg['test_dataloader']['dataset']['fold'] == 3


# ----------------------------------------------------------------------
# Leave one dataset out (cross-database FER)
# ----------------------------------------------------------------------
def test_leave_one_dataset_out_trains_on_the_rest():
    sets = dict(a=dict(type='A', data_root='ra'),
                b=dict(type='B', data_root='rb'),
                c=dict(type='C', data_root='rc', pipeline=['own']))
    p = PROTOCOLS.build(dict(type='LeaveOneDatasetOut', datasets=sets))
    assert p.num_folds == 3
    _check_partition(p, 'abc')
    assert p.get_fold(2).test == ('b', ) and p.get_fold(2).unit == 'dataset'
    val = dict(dataset=dict(type='A', pipeline=['test'], test_mode=True))
    cfg = dict(
        train_dataloader=dict(dataset=dict(type='A', pipeline=['train'])),
        val_dataloader=val, test_dataloader=val)
    p.apply(cfg, 1)
    train = cfg['train_dataloader']['dataset']
    assert train['type'] == 'ConcatDataset'
    assert [d['data_root'] for d in train['datasets']] == ['rb', 'rc']
    assert [d['pipeline'] for d in train['datasets']] == [['train'], ['own']]
    test = cfg['test_dataloader']['dataset']
    assert test == dict(type='A', data_root='ra', pipeline=['test'],
                        test_mode=True)
    assert cfg['val_dataloader']['dataset'] == test
    assert sets['a'] == dict(type='A', data_root='ra')  # not modified
    # two datasets: no ConcatDataset
    two = LeaveOneDatasetOut([dict(type='A'), dict(type='B')])
    cfg = dict(train_dataloader=dict(dataset=dict(type='A', pipeline=[1])),
               val_dataloader=None, test_dataloader=None)
    two.apply(cfg, 2)
    assert cfg['train_dataloader']['dataset'] == dict(type='A', pipeline=[1])
    with pytest.raises(ValueError, match='at least two'):
        LeaveOneDatasetOut([dict(type='A')])
    with pytest.raises(ValueError, match='repeat'):
        LeaveOneDatasetOut([dict(type='A'), dict(type='A')])


# ----------------------------------------------------------------------
# Choosing a config's protocol
# ----------------------------------------------------------------------
def test_fallback_from_the_dataset_and_clear_error():
    ds = lambda t: dict(train_dataloader=dict(dataset=dict(type=t)))  # noqa
    assert build_protocol(ds('DISFADataset')).name == 'disfa'
    p = build_protocol(ds('MAFWDataset'))
    assert isinstance(p, OfficialSplitFiles) and p.num_folds == 5
    with pytest.raises(ValueError, match='declares no fold_protocol'):
        build_protocol(ds('SynthFaceDataset'), 'x.py')
    with pytest.raises(KeyError, match='needs a "type"'):
        build_protocol(dict(fold_protocol=dict(num_folds=3)))


def test_every_declared_protocol_builds():
    paths = sorted(glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                             recursive=True))
    kinds = {}
    for path in paths:
        with open(path) as f:
            text = f.read()
        if '_base_' in path.split(osp.sep) and 'fold_protocol' not in text:
            continue
        cfg = Config.fromfile(path)
        if cfg.get('fold_protocol') is None:
            continue
        p = build_protocol(cfg, path)
        kinds[osp.relpath(path, REPO)] = (type(p).__name__, p.num_folds)
    assert kinds['configs/_base_/datasets/bp4d_au.py'] == ('SubjectKFold', 3)
    assert kinds['configs/_base_/datasets/dfew.py'] == (
        'OfficialSplitFiles', 5)
    assert kinds['configs/_base_/datasets/mafw.py'] == (
        'OfficialSplitFiles', 5)
    assert kinds['configs/_base_/datasets/synthface_disfa_au_64px.py'] == (
        'SubjectKFold', 3)
