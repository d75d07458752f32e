"""MAFWDataset on a tiny SynthFace MAFW-layout dataset."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from mmfer.datasets import MAFWDataset
from mmfer.datasets.synthface import generate_layout
from mmfer.structures.expressions import dataset_classes
from mmfer.utils import register_all_modules

register_all_modules()

GEN = dict(subjects=3, samples=3, size=32, frames=10, seed=1,
           missing_audio=0.25)
SPLIT = osp.join('Train & Test Set', 'single', 'no_caption')


@pytest.fixture(scope='module')
def mafw_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('mafw') / 'MAFW'
    generate_layout('mafw', root, verbose=False, **GEN)
    return str(root)


def _split_lines(root, fold, split):
    with open(osp.join(root, SPLIT, f'set_{fold}', f'{split}.txt')) as f:
        return [ln.split() for ln in f if ln.strip()]


def _items(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_labels_are_mapped_by_name_into_mma_dfer_order(mafw_root):
    classes = MAFWDataset.METAINFO['classes']
    assert classes == ('happiness', 'sadness', 'neutral', 'anger', 'surprise',
                       'disgust', 'fear', 'contempt', 'anxiety',
                       'helplessness', 'disappointment')
    for fold in (1, 2):
        for split in ('train', 'test'):
            ds = MAFWDataset(mafw_root, fold=fold, split=split)
            lines = _split_lines(mafw_root, fold, split)
            assert len(ds) == len(lines)
            assert ds.metainfo['classes'] == dataset_classes('mafw')
            for item, (video, name) in zip(_items(ds), lines):
                assert item['clip_id'] == video[:-4]
                assert classes[item['gt_label']] == name
                assert item['domain'] == 'mafw'


def test_missing_audio_clips_are_kept_with_has_audio_false(mafw_root):
    with open(osp.join(mafw_root, 'meta.json')) as f:
        missing = set(json.load(f)['missing_audio'])
    assert missing  # the layout drops some wavs, as MAFW does
    seen = set()
    for fold in range(1, 6):
        for item in _items(MAFWDataset(mafw_root, fold=fold, split='test')):
            if item['clip_id'] in missing:
                seen.add(item['clip_id'])
                assert item['has_audio'] is False
                assert item['audio_path'] is None
            else:
                assert item['has_audio'] is True
                assert osp.isfile(item['audio_path'])
    assert seen == missing


def test_pipeline_gives_zero_fbank_for_clips_without_audio(mafw_root):
    pipeline = [
        dict(type='SampleSegmentFrames', clip_len=16, test_mode=True),
        dict(type='LoadFrames'),
        dict(type='mmaction.Resize', scale=(32, 32), keep_ratio=False),
        dict(type='FormatClip'),
        dict(type='LoadAudioFbank'),
        dict(type='PackFERInputs', input_keys=dict(imgs='video',
                                                   fbank='audio')),
    ]
    checked = set()
    for fold in range(1, 6):
        ds = MAFWDataset(mafw_root, fold=fold, split='test',
                         pipeline=pipeline, test_mode=True)
        for i in range(len(ds)):
            out = ds[i]
            audio = out['inputs']['audio']
            has_audio = out['data_samples'].metainfo['has_audio']
            assert tuple(out['inputs']['video'].shape) == (16, 3, 32, 32)
            const = 4.2677393 / (2 * 4.5689974)  # zero fbank, normalised
            if has_audio:
                assert float(audio.std()) > 0.1
            else:
                np.testing.assert_allclose(audio.numpy(), const, rtol=1e-6)
            checked.add(has_audio)
    assert checked == {True, False}


def test_frames_from_face_crops_then_distributed_frames(mafw_root, tmp_path):
    item = _items(MAFWDataset(mafw_root, fold=1, split='test'))[0]
    assert item['frame_dir'] == osp.join(mafw_root, 'clips_faces',
                                         item['clip_id'])
    # clips_faces/<id>/0.jpg ... unpadded, 0-based: all counted
    assert item['total_frames'] == len(os.listdir(item['frame_dir']))
    root = str(tmp_path / 'MAFW')
    shutil.copytree(mafw_root, root)
    shutil.rmtree(osp.join(root, 'clips_faces'))
    item = _items(MAFWDataset(root, fold=1, split='test'))[0]
    assert item['frame_dir'] == osp.join(root, 'data', 'frames',
                                         item['clip_id'])


def test_mma_dfer_faces_list_and_errors(mafw_root, tmp_path):
    lines = _split_lines(mafw_root, 1, 'test')
    classes = MAFWDataset.METAINFO['classes']
    mma = tmp_path / 'MAFW_set_1_test_faces.txt'
    mma.write_text(''.join(
        f'/scratch/x/mfaw/clips_faces/{v[:-4]} 5 {classes.index(n)}\n'
        for v, n in lines))
    ds = MAFWDataset(mafw_root, fold=1, split='test', ann_file=str(mma))
    ref = MAFWDataset(mafw_root, fold=1, split='test')
    for a, b in zip(_items(ds), _items(ref)):
        assert (a['clip_id'], a['gt_label'], a['frame_dir']) == (
            b['clip_id'], b['gt_label'], b['frame_dir'])
        assert a['total_frames'] == 5  # the list's count is used
    bad = tmp_path / 'bad.txt'
    bad.write_text('00001.mp4 joy\n')
    with pytest.raises(ValueError, match="unknown label 'joy'.*helplessness"):
        MAFWDataset(mafw_root, ann_file=str(bad))
    bad.write_text('00001.mp4\n')
    with pytest.raises(ValueError, match='cannot parse'):
        MAFWDataset(mafw_root, ann_file=str(bad))


def test_audio_folder_missing_is_an_error_unless_video_only(mafw_root,
                                                             tmp_path):
    root = str(tmp_path / 'MAFW')
    shutil.copytree(mafw_root, root)
    shutil.rmtree(osp.join(root, 'clips_wav'))
    with pytest.raises(FileNotFoundError, match='clips_wav'):
        MAFWDataset(root, fold=1, split='test')
    ds = MAFWDataset(root, fold=1, split='test', with_audio=False)
    assert not any(d['has_audio'] for d in _items(ds))


def test_split_labels_go_through_the_vocabulary(mafw_root, tmp_path):
    ann = tmp_path / 'aliases.txt'
    ann.write_text('00001.mp4 Happy\n00002.mp4 angry\n00003.mp4 Contempt\n')
    ds = MAFWDataset(mafw_root, ann_file=str(ann), check_files=False)
    names = [ds.metainfo['classes'][d['gt_label']] for d in _items(ds)]
    assert names == ['happiness', 'anger', 'contempt']


def test_label_space_of_a_7_class_dataset_drops_compound_classes(mafw_root):
    ref = _items(MAFWDataset(mafw_root, fold=1, split='train'))
    names = [dataset_classes('mafw')[d['gt_label']] for d in ref]
    basic = [n for n in names if n in dataset_classes('dfew')]
    assert len(basic) < len(names)  # the render holds compound classes
    with pytest.raises(ValueError, match='lacks the classes'):
        MAFWDataset(mafw_root, fold=1, split='train', label_space='dfew')
    ds = MAFWDataset(mafw_root, fold=1, split='train', label_space='dfew',
                     unmapped='drop')
    assert ds.metainfo['classes'] == dataset_classes('dfew')
    assert [dataset_classes('dfew')[i] for i in ds.get_gt_labels()] == basic
