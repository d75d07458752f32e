"""DFEWDataset on a tiny SynthFace DFEW-layout dataset."""
import csv
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmfer.datasets import DFEWDataset
from mmfer.datasets.synthface import generate_layout
from mmfer.structures.expressions import canonical_expression
from mmfer.utils import register_all_modules

register_all_modules()

GEN = dict(subjects=3, samples=3, size=32, frames=10, seed=0)


@pytest.fixture(scope='module')
def dfew_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('dfew') / 'DFEW'
    generate_layout('dfew', root, verbose=False, **GEN)
    return str(root)


@pytest.fixture
def dfew_copy(dfew_root, tmp_path):
    dst = str(tmp_path / 'DFEW')
    shutil.copytree(dfew_root, dst)
    return dst


def _read_csv(root, split, fold):
    path = osp.join(root, 'EmoLabel_DataSplit', f'{split}(single-labeled)',
                    f'set_{fold}.csv')
    with open(path) as f:
        return {int(r['video_name']): int(r['label'])
                for r in csv.DictReader(f)}


def _read_csv_ids(root, fold):
    return {f'{i:05d}' for i in _read_csv(root, 'test', fold)}


def test_classes_in_mma_dfer_order_and_labels_map_from_csv(dfew_root):
    # DFEW's 1 Happy ... 7 Fear, in canonical names
    assert DFEWDataset.METAINFO['classes'] == (
        'happiness', 'sadness', 'neutral', 'anger', 'surprise', 'disgust',
        'fear')
    with open(osp.join(dfew_root, 'meta.json')) as f:
        dfew_labels = json.load(f)['dfew_labels']  # '1' -> 'happiness'
    ds = DFEWDataset(dfew_root, fold=1, split='train')
    assert ds.metainfo['classes'] == DFEWDataset.METAINFO['classes']
    rows = _read_csv(dfew_root, 'train', 1)
    assert len(ds) == len(rows)
    for i in range(len(ds)):
        item = ds.get_data_info(i)
        official = rows[int(item['clip_id'])]
        assert item['gt_label'] == official - 1
        name = ds.metainfo['classes'][item['gt_label']]
        assert name == canonical_expression(dfew_labels[str(official)])
        assert item['domain'] == 'dfew'


def test_folds_partition_the_clips(dfew_root):
    all_ids = set()
    for fold in range(1, 6):
        train = DFEWDataset(dfew_root, fold=fold, split='train')
        test = DFEWDataset(dfew_root, fold=fold, split='test')
        tr = {train.get_data_info(i)['clip_id'] for i in range(len(train))}
        te = {test.get_data_info(i)['clip_id'] for i in range(len(test))}
        assert not tr & te
        all_ids |= te
        assert len(tr | te) == GEN['subjects'] * GEN['samples']
    assert len(all_ids) == GEN['subjects'] * GEN['samples']  # each once


def test_items_frames_and_audio(dfew_root):
    ds = DFEWDataset(dfew_root, fold=2, split='test')
    for i in range(len(ds)):
        item = ds.get_data_info(i)
        assert item['frame_dir'] == osp.join(dfew_root, 'Clip', 'clip_224x224',
                                             item['clip_id'])
        assert item['total_frames'] == len(os.listdir(item['frame_dir']))
        # audio names use the unpadded id
        assert item['audio_path'] == osp.join(
            dfew_root, 'raw_wav', f'{int(item["clip_id"])}.wav')
        assert item['has_audio'] and osp.isfile(item['audio_path'])


def test_mma_dfer_lists_give_the_same_items(dfew_root):
    for split in ('train', 'test'):
        a = DFEWDataset(dfew_root, fold=3, split=split)
        b = DFEWDataset(dfew_root, fold=3, split=split,
                        ann_file=f'annotation/DFEW_set_3_{split}.txt')
        ia = [a.get_data_info(i) for i in range(len(a))]
        ib = [b.get_data_info(i) for i in range(len(b))]
        for x, y in zip(ia, ib):
            for key in ('clip_id', 'frame_dir', 'total_frames', 'audio_path',
                        'gt_label'):
                assert x[key] == y[key], key
        assert len(ia) == len(ib)


def test_pipeline_output_matches_the_model_contract(dfew_root):
    pipeline = [
        dict(type='SampleSegmentFrames', clip_len=8, test_mode=True),
        dict(type='LoadFrames'),
        dict(type='mmaction.Resize', scale=(32, 32), keep_ratio=False),
        dict(type='FormatClip'),
        dict(type='LoadAudioFbank'),
        dict(type='PackFERInputs', input_keys=dict(imgs='video',
                                                   fbank='audio')),
    ]
    ds = DFEWDataset(dfew_root, fold=1, split='test', pipeline=pipeline,
                     test_mode=True)
    out = ds[0]
    assert tuple(out['inputs']['video'].shape) == (8, 3, 32, 32)
    assert out['inputs']['video'].dtype.is_floating_point is False
    audio = out['inputs']['audio']
    assert tuple(audio.shape) == (1, 512, 128)
    # real audio: the fbank is not the constant of an all-zero one
    assert float(audio.std()) > 0.1
    meta = out['data_samples'].metainfo
    assert meta['has_audio'] is True and meta['num_clips'] == 1
    assert out['data_samples'].domain == 'dfew'


def test_missing_audio_is_an_error_unless_allowed(dfew_copy):
    os.remove(osp.join(dfew_copy, 'raw_wav', '1.wav'))
    fold = 1 + next(
        f for f in range(5) if '00001' in _read_csv_ids(dfew_copy, f + 1))
    with pytest.raises(FileNotFoundError, match=r'1\.wav'):
        DFEWDataset(dfew_copy, fold=fold, split='test')
    ds = DFEWDataset(dfew_copy, fold=fold, split='test',
                     allow_missing_audio=True)
    items = [ds.get_data_info(i) for i in range(len(ds))]
    missing = [d for d in items if d['clip_id'] == '00001'][0]
    assert missing['has_audio'] is False and missing['audio_path'] is None
    assert all(d['has_audio'] for d in items if d['clip_id'] != '00001')
    video_only = DFEWDataset(dfew_copy, fold=fold, split='test',
                             with_audio=False)
    assert not any(video_only.get_data_info(i)['has_audio']
                   for i in range(len(video_only)))


def test_missing_frames_and_bad_counts_are_reported(dfew_copy):
    ann = osp.join(dfew_copy, 'annotation', 'DFEW_set_1_test.txt')
    with open(ann) as f:
        first = f.readline().split()
    with open(ann, 'w') as f:  # claim more frames than the folder holds
        f.write(f'{first[0]} 999 {first[2]}\n')
    with pytest.raises(ValueError, match='fewer frames'):
        DFEWDataset(dfew_copy, fold=1, split='test',
                    ann_file='annotation/DFEW_set_1_test.txt')
    shutil.rmtree(osp.join(dfew_copy, 'Clip', 'clip_224x224',
                           osp.basename(first[0])))
    with pytest.raises(FileNotFoundError, match='no frame folder'):
        DFEWDataset(dfew_copy, fold=1, split='test')


def test_bad_arguments(dfew_root, tmp_path):
    with pytest.raises(ValueError, match='fold must be 1-5'):
        DFEWDataset(dfew_root, fold=6)
    with pytest.raises(ValueError, match='split must be one of'):
        DFEWDataset(dfew_root, split='val')
    with pytest.raises(FileNotFoundError, match='auto_generate'):
        DFEWDataset(str(tmp_path / 'nothing'))
    bad = tmp_path / 'bad.csv'
    bad.write_text('id,emotion\n1,2\n')
    with pytest.raises(ValueError, match='video_name,label'):
        DFEWDataset(dfew_root, ann_file=str(bad))
    bad.write_text('video_name,label\n1,9\n')
    with pytest.raises(ValueError, match='outside 0..6'):
        DFEWDataset(dfew_root, ann_file=str(bad))


def test_auto_generate_and_labels(tmp_path):
    root = str(tmp_path / 'auto')
    ds = DFEWDataset(root, fold=1, split='train',
                     auto_generate=dict(subjects=2, samples=2, size=32,
                                        frames=8, verbose=False))
    assert osp.isfile(osp.join(root, 'meta.json'))
    labels = ds.get_gt_labels()
    assert labels.shape == (len(ds), ) and labels.dtype.kind == 'i'
    assert np.all((labels >= 0) & (labels < 7))
