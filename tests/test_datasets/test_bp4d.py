"""BP4DDataset and the published AU fold protocols, on SynthFace BP4D data."""
import csv
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmfer.datasets import BP4DDataset
from mmfer.datasets.protocols import (BP4D_AUS, BP4D_PARTS, DISFA_PARTS,
                                      get_fold_subjects)
from mmfer.datasets.synthface import generate_layout


@pytest.fixture(scope='module')
def bp4d_root(tmp_path_factory):
    # 3 subjects: one per protocol part (F001 part 1, M011 part 2, F007
    # part 3), 2 tasks x 4 frames, with unknown (9) codes.
    root = tmp_path_factory.mktemp('bp4d') / 'BP4D'
    generate_layout('bp4d', root, subjects=3, tasks=2, frames=4, size=32,
                    unknown_rate=0.2, verbose=False)
    return str(root)


def _copy(src, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(src, dst)
    os.remove(osp.join(dst, 'meta.json'))
    return dst


def _read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], [[int(v) for v in r] for r in rows[1:]]


# ----------------------------------------------------------------------
# Protocols
# ----------------------------------------------------------------------
def test_bp4d_parts_are_the_published_subject_exclusive_split():
    sizes = [len(BP4D_PARTS[p]) for p in (1, 2, 3)]
    assert sizes == [14, 14, 13]
    every = [s for p in BP4D_PARTS.values() for s in p]
    assert len(set(every)) == 41
    expected = {f'F{i:03d}' for i in range(1, 24)} | {
        f'M{i:03d}' for i in range(1, 19)}
    assert set(every) == expected
    assert sorted(len(p) for p in DISFA_PARTS.values()) == [9, 9, 9]
    assert len({s for p in DISFA_PARTS.values() for s in p}) == 27


@pytest.mark.parametrize('dataset,parts', [('bp4d', BP4D_PARTS),
                                           ('disfa', DISFA_PARTS)])
def test_fold_k_tests_the_right_part_and_trains_on_the_others(
        dataset, parts):
    for fold, test_part in ((1, 3), (2, 2), (3, 1)):
        test = get_fold_subjects(dataset, fold, 'test')
        train = get_fold_subjects(dataset, fold, 'train')
        assert test == list(parts[test_part])
        assert not set(test) & set(train)
        assert set(test) | set(train) == {s for p in parts.values()
                                          for s in p}
    assert get_fold_subjects(dataset, None, 'train') is None
    # every subject is tested exactly once over the three folds
    tested = sum((get_fold_subjects(dataset, k, 'test') for k in (1, 2, 3)),
                 [])
    assert len(tested) == len(set(tested))


def test_protocol_bad_arguments():
    with pytest.raises(ValueError, match='fold must be 1, 2, 3'):
        get_fold_subjects('bp4d', 4, 'train')
    with pytest.raises(ValueError, match='split must be'):
        get_fold_subjects('bp4d', 1, 'dev')
    with pytest.raises(ValueError, match="valid ones are"):
        get_fold_subjects('affectnet', 1, 'train')


# ----------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------
def test_reads_frames_and_labels_from_occurrence_csvs(bp4d_root):
    ds = BP4DDataset(bp4d_root, modalities=('rgb', 'depth'))
    assert len(ds) == 3 * 2 * 4
    assert ds.metainfo['au_names'] == [f'AU{k}' for k in BP4D_AUS]
    assert ds.metainfo['classes'] == ()  # AU labels, no expression labels
    assert ds.num_skipped == 0
    seen = set()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        seen.add(info['subject'])
        assert info['domain'] == 'bp4d'
        assert osp.isfile(info['img_path']) and osp.isfile(info['depth_path'])
        assert info['img_path'].endswith(f'/{info["frame"]}.jpg')
        header, rows = _read_csv(osp.join(
            bp4d_root, 'AUCoding', 'AU_OCC',
            f'{info["subject"]}_{info["task"]}.csv'))
        row = next(r for r in rows if r[0] == info['frame'])
        want = [row[header.index(str(k))] for k in BP4D_AUS]
        want = [-1 if v == 9 else v for v in want]       # 9 = not coded
        assert info['au_occ'] == want
    assert seen == {'F001', 'M011', 'F007'}
    labels = ds.get_au_labels()                           # after serialise
    assert labels.shape == (24, 12) and (labels == -1).any()
    assert set(np.unique(labels)) <= {-1, 0, 1}
    freq = ds.get_au_frequencies()
    coded = labels >= 0
    np.testing.assert_allclose(
        freq, (labels == 1).sum(0) / np.maximum(coded.sum(0), 1))


def test_pipeline_gives_rgbd_input_and_au_targets(bp4d_root):
    ds = BP4DDataset(
        bp4d_root,
        modalities=('rgb', 'depth'),
        pipeline=[
            dict(type='LoadFaceModalities', modalities=('rgb', 'depth')),
            dict(type='PackFERInputs')
        ])
    out = ds[0]
    assert tuple(out['inputs'].shape) == (4, 32, 32)
    gt = out['data_samples'].gt_au
    assert gt.shape == (12, )
    assert out['data_samples'].domain == 'bp4d'
    renamed = BP4DDataset(bp4d_root, domain='lab1')
    assert renamed.get_data_info(0)['domain'] == 'lab1'
    assert gt.tolist() == [float(v) for v in ds.get_data_info(0)['au_occ']]


def test_fold_selects_subjects(bp4d_root):
    test = BP4DDataset(bp4d_root, fold=1, split='test',
                       allow_missing_subjects=True)
    train = BP4DDataset(bp4d_root, fold=1, split='train',
                        allow_missing_subjects=True)
    subj = lambda d: {d.get_data_info(i)['subject'] for i in range(len(d))}
    assert subj(test) == {'F007'}                     # part 3
    assert subj(train) == {'F001', 'M011'}            # parts 1 + 2
    fold3 = BP4DDataset(bp4d_root, fold=3, split='test',
                        allow_missing_subjects=True)
    assert subj(fold3) == {'F001'}                    # part 1
    # Real data: a fold subject without AU files is an error naming it.
    with pytest.raises(ValueError, match='F015'):
        BP4DDataset(bp4d_root, fold=1, split='test')
    with pytest.raises(ValueError, match='either fold'):
        BP4DDataset(bp4d_root, fold=1, subjects=['F001'])


def test_tolerates_zero_padded_frame_names_and_offset(bp4d_root, tmp_path):
    root = _copy(bp4d_root, tmp_path)
    seq = osp.join(root, 'Sequences', 'F001', 'T1')
    for name in os.listdir(seq):
        stem, ext = osp.splitext(name)
        os.rename(osp.join(seq, name),
                  osp.join(seq, f'{int(stem):04d}{ext}'))
    seq2 = osp.join(root, 'Sequences', 'M011', 'T1')
    for name in os.listdir(seq2):
        stem, ext = osp.splitext(name)
        os.rename(osp.join(seq2, name),
                  osp.join(seq2, f'{int(stem):06d}{ext}'))
    ds = BP4DDataset(root, subjects=['F001', 'M011', 'F007'])
    assert len(ds) == 24 and ds.num_skipped == 0
    names = [osp.basename(ds.get_data_info(i)['img_path'])
             for i in range(len(ds))]
    assert any(len(osp.splitext(n)[0]) == 4 for n in names)
    # [U] "AU frame f is image f - 1": the first labelled frame of every
    # clip then has no image and is skipped (counted, not silent).
    shifted = BP4DDataset(root, frame_offset=-1)
    assert shifted.num_skipped == 6 and len(shifted) == 18
    info = shifted.get_data_info(0)
    assert int(osp.splitext(osp.basename(info['img_path']))[0]) == \
        info['frame'] - 1


def test_missing_frames_are_skipped_and_counted(bp4d_root, tmp_path):
    root = _copy(bp4d_root, tmp_path)
    seq = osp.join(root, 'Sequences', 'F007', 'T2')
    os.remove(osp.join(seq, sorted(os.listdir(seq))[0]))
    ds = BP4DDataset(root)
    assert ds.num_skipped == 1 and len(ds) == 23
    # depth missing for one frame: skipped only when depth is requested
    dep = osp.join(root, 'Depth', 'M011', 'T1')
    os.remove(osp.join(dep, sorted(os.listdir(dep))[0]))
    assert BP4DDataset(root, modalities=('rgb', )).num_skipped == 1
    assert BP4DDataset(root, modalities=('rgb', 'depth')).num_skipped == 2


def test_subject_without_any_frame_is_an_error(bp4d_root, tmp_path):
    root = _copy(bp4d_root, tmp_path)
    shutil.rmtree(osp.join(root, 'Sequences', 'M011'))
    with pytest.raises(FileNotFoundError, match='M011'):
        BP4DDataset(root)


def test_bad_annotations_give_clear_errors(bp4d_root, tmp_path):
    root = _copy(bp4d_root, tmp_path)
    path = osp.join(root, 'AUCoding', 'AU_OCC', 'F001_T1.csv')
    header, rows = _read_csv(path)
    rows[1][header.index('12')] = 7
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows([header] + rows)
    with pytest.raises(ValueError, match='F001_T1.csv.*code 7'):
        BP4DDataset(root)
    with pytest.raises(ValueError, match=r"columns \['99'\]"):
        BP4DDataset(root, subjects=['F007'], au_ids=(1, 99))
    with pytest.raises(FileNotFoundError, match='Thermal'):
        BP4DDataset(root, subjects=['F007'], modalities=('rgb', 'thermal'))
    with pytest.raises(FileNotFoundError, match='AU_OCC'):
        BP4DDataset(str(tmp_path / 'nothing'))


def test_reads_the_alternative_root_folder_names(bp4d_root, tmp_path):
    root = _copy(bp4d_root, tmp_path)
    os.rename(osp.join(root, 'Sequences'), osp.join(root, 'BP4D-training'))
    assert len(BP4DDataset(root)) == 24
    os.rename(osp.join(root, 'BP4D-training'),
              osp.join(root, 'Sequences(2D+3D)'))
    assert len(BP4DDataset(root)) == 24


def test_synthface_bp4d_tasks_code_every_bp4d_au(tmp_path):
    """All 12 BP4D AUs occur (T4 embarrassment brings AU14/AU24), so the
    label-frequency weights of WeightedBCELoss are defined for each."""
    root = str(tmp_path / 'bp4d_all_tasks')
    generate_layout('bp4d', root, subjects=2, tasks=8, frames=6, size=32,
                    seed=0, verbose=False)
    dataset = BP4DDataset(data_root=root, allow_missing_subjects=True,
                          pipeline=[])
    freq = dataset.get_au_frequencies()
    assert dataset.metainfo['au_names'][7] == 'AU14'
    assert (freq > 0).all(), dict(zip(dataset.metainfo['au_names'], freq))
