"""BP4DPlusDataset on SynthFace data in the (preprocessed) BP4D+ layout."""
import csv
import os
import os.path as osp
import shutil
from collections import Counter

import pytest

from mmfer.datasets import BP4DPlusDataset
from mmfer.datasets.bp4d_plus import BP4D_PLUS_AU_COLUMNS
from mmfer.datasets.synthface import generate_layout


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    # 2 subjects x 3 tasks x 6 frames (1-based); only T1 is AU-coded.
    out = tmp_path_factory.mktemp('bp4dp') / 'BP4D+'
    generate_layout('bp4d_plus', out, subjects=2, tasks=3, frames=6, size=32,
                    verbose=False)
    return str(out)


def _copy(src, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(src, dst)
    os.remove(osp.join(dst, 'meta.json'))
    return dst


def _infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_reads_aligned_rgb_depth_thermal(root):
    ds = BP4DPlusDataset(
        root,
        pipeline=[
            dict(type='LoadFaceModalities',
                 modalities=('rgb', 'depth', 'thermal')),
            dict(type='PackFERInputs')
        ])
    assert len(ds) == 2 * 3 * 6
    info = ds.get_data_info(0)
    for key in ('img_path', 'depth_path', 'thermal_path'):
        assert osp.isfile(info[key])
    stems = {osp.splitext(osp.basename(info[k]))[0]
             for k in ('img_path', 'depth_path', 'thermal_path')}
    assert len(stems) == 1                               # same frame
    assert tuple(ds[0]['inputs'].shape) == (5, 32, 32)   # R, G, B, D, T
    assert 'au_occ' not in info                          # labels optional
    assert info['domain'] == 'bp4d_plus' and ds.metainfo['classes'] == ()
    assert ds[0]['data_samples'].domain == 'bp4d_plus'
    with pytest.raises(KeyError, match='with_labels=True'):
        ds.get_au_labels()


def test_frames_per_task_samples_evenly_inside_each_clip(root):
    ds = BP4DPlusDataset(root, frames_per_task=3)
    infos = _infos(ds)
    assert len(infos) == 2 * 3 * 3
    clip = [i['frame'] for i in infos
            if i['subject'] == 'F001' and i['task'] == 'T2']
    assert clip == [1, 3, 6]   # first, middle (index 2.5 -> 2), last


def test_max_frames_is_split_equally_over_tasks(root):
    ds = BP4DPlusDataset(root, max_frames=12)
    per_task = Counter(i['task'] for i in _infos(ds))
    assert per_task == {'T1': 4, 'T2': 4, 'T3': 4}
    # evenly over the task's frames of all subjects (both subjects used)
    assert {i['subject'] for i in _infos(ds) if i['task'] == 'T1'} == {
        'F001', 'M001'}
    ds = BP4DPlusDataset(root, max_frames=10)             # 4 + 3 + 3
    assert sorted(Counter(i['task'] for i in _infos(ds)).values()) == [3, 3,
                                                                       4]
    # a task with fewer frames than its share gives all of them
    ds = BP4DPlusDataset(root, max_frames=1000, tasks=['T1'])
    assert len(ds) == 12
    with pytest.raises(ValueError, match='max_frames must be positive'):
        BP4DPlusDataset(root, max_frames=0)


def test_optional_labels_by_column_position(root):
    aus = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
    ds = BP4DPlusDataset(root, with_labels=True, au_ids=aus)
    assert ds.metainfo['au_names'] == [f'AU{k}' for k in aus]
    with open(osp.join(root, 'AUCoding', 'AU_OCC', 'F001_T1.csv')) as f:
        rows = list(csv.reader(f))[1:]                   # header skipped
    table = {int(r[0]): [int(v) for v in r[1:]] for r in rows}
    for info in _infos(ds):
        if info['task'] != 'T1':
            assert info['au_occ'] == [-1] * 12           # not coded
            continue
        if info['subject'] != 'F001':
            continue
        row = table[info['frame']]
        want = [row[BP4D_PLUS_AU_COLUMNS.index(a)] for a in aus]
        assert info['au_occ'] == [-1 if v == 9 else v for v in want]
    coded = BP4DPlusDataset(root, with_labels=True, coded_only=True)
    assert {i['task'] for i in _infos(coded)} == {'T1'}
    assert coded.get_au_labels().shape == (12, 34)
    with pytest.raises(ValueError, match='not coded in BP4D'):
        BP4DPlusDataset(root, with_labels=True, au_ids=(3, ))


def test_frames_missing_a_modality_are_skipped_and_counted(root, tmp_path):
    r = _copy(root, tmp_path)
    os.remove(osp.join(r, 'Thermal', 'M001', 'T2', '3.png'))
    ds = BP4DPlusDataset(r)
    assert ds.num_skipped == 1 and len(ds) == 35
    assert BP4DPlusDataset(r, modalities=('rgb', 'depth')).num_skipped == 0


def test_zipped_rgb_needs_the_face_crop_tool(tmp_path):
    out = tmp_path / 'zipped'
    generate_layout('bp4d_plus', out, subjects=1, tasks=1, frames=3, size=32,
                    zip=True, verbose=False)
    assert osp.isfile(out / '2D+3D' / 'F001.zip')
    with pytest.raises(FileNotFoundError, match='face_crop.py'):
        BP4DPlusDataset(str(out))


def test_missing_modality_folder_names_the_tool(root, tmp_path):
    r = _copy(root, tmp_path)
    shutil.rmtree(osp.join(r, 'Thermal'))
    with pytest.raises(FileNotFoundError, match='bp4dplus_thermal.py'):
        BP4DPlusDataset(r)
    assert len(BP4DPlusDataset(r, modalities=('rgb', 'depth'))) == 36
