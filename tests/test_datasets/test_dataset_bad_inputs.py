"""Bad annotations refused at load time with one message naming the file,
the sample and the fix (issue 13): expression labels (out of range, -1, an
unknown string, absent in a labelled dataset), AU label arrays, an empty
dataset after a subject filter, and DISFA's missing-AU-file message."""
import json
import os
import os.path as osp
import re
import shutil

import pytest

from mmfer.datasets import BaseFERDataset, DISFADataset, SynthFaceDataset
from mmfer.datasets.synthface import generate_layout

SYNTHFACE_CLASSES = ('anger', 'disgust', 'fear', 'happiness', 'sadness',
                     'surprise', 'neutral')


@pytest.fixture(scope='module')
def synthface_root(tmp_path_factory):
    """A tiny SynthFace dataset in its native layout (annotations/*.json)."""
    out = tmp_path_factory.mktemp('bad_inputs') / 'synthface'
    return str(generate_layout('synthface', out, subjects=3, samples=12,
                               size=32, seed=0, verbose=False))


@pytest.fixture
def copy_of(synthface_root, tmp_path):
    """A writable copy of the SynthFace dataset, and its train.json."""
    dst = str(tmp_path / 'synthface')
    shutil.copytree(synthface_root, dst)
    return dst, osp.join(dst, 'annotations', 'train.json')


def _edit(ann_file, edit):
    with open(ann_file) as f:
        ann = json.load(f)
    edit(ann['data_list'])
    with open(ann_file, 'w') as f:
        json.dump(ann, f)
    return ann['data_list']


def _set_label(index, value):
    def edit(data_list):
        if value is None:
            data_list[index].pop('gt_label')
        else:
            data_list[index]['gt_label'] = value
    return edit


def _dataset(root, **kwargs):
    return SynthFaceDataset(root, split='train', serialize_data=False,
                            **kwargs)


# ----------------------------------------------------------------------
# Expression labels
# ----------------------------------------------------------------------
@pytest.mark.parametrize('value', [9, -1, 'bored', '3', 2.5, True])
def test_bad_gt_label_names_file_sample_value_and_classes(copy_of, value):
    root, ann_file = copy_of
    data_list = _edit(ann_file, _set_label(4, value))
    with pytest.raises(ValueError) as info:
        _dataset(root)
    msg = str(info.value)
    assert f'SynthFaceDataset (annotation file {ann_file})' in msg
    img_path = osp.join(root, data_list[4]['img_path'])
    assert f'sample 4 (img_path {img_path}): gt_label {value!r}' in msg
    assert 'outside the 7 classes in 1 sample(s)' in msg
    assert 'an int in 0..6' in msg and str(list(SYNTHFACE_CLASSES)) in msg
    assert 'Fix the annotation' in msg


def test_gt_label_absent_in_a_labelled_dataset(copy_of):
    root, ann_file = copy_of
    data_list = _edit(ann_file, _set_label(2, None))
    with pytest.raises(ValueError) as info:
        _dataset(root)
    msg = str(info.value)
    assert ann_file in msg
    assert (f'1 of {len(data_list)} sample(s) have no gt_label, e.g. sample 2 '
            f'(img_path {osp.join(root, data_list[2]["img_path"])})') in msg
    assert 'Give every sample a gt_label' in msg


def test_class_names_are_mapped_by_name(copy_of):
    """A name (any alias of mmfer.structures.expressions) becomes its index
    in the dataset's classes; an integral float becomes an int."""
    root, ann_file = copy_of

    def edit(data_list):
        data_list[0]['gt_label'] = 'happy'
        data_list[1]['gt_label'] = 'Sadness'
        data_list[2]['gt_label'] = 6.0
    _edit(ann_file, edit)
    ds = _dataset(root)
    labels = [ds.get_data_info(i)['gt_label'] for i in range(3)]
    assert labels == [3, 4, 6] and all(type(v) is int for v in labels)


def test_good_annotations_are_unchanged(synthface_root):
    with open(osp.join(synthface_root, 'annotations', 'train.json')) as f:
        expected = [d['gt_label'] for d in json.load(f)['data_list']]
    ds = _dataset(synthface_root)
    assert ds.get_gt_labels().tolist() == expected
    assert ds.metainfo['classes'] == SYNTHFACE_CLASSES


def test_labels_without_metainfo_classes(tmp_path):
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(
        metainfo=dict(domain='mine'),
        data_list=[dict(img_path='a.png', gt_label=0)])))
    with pytest.raises(ValueError, match=re.escape(
            f'BaseFERDataset (annotation file {ann}): samples carry gt_label '
            "but metainfo has no 'classes'")) as info:
        BaseFERDataset(str(ann), check_files=False)
    assert 'metainfo=dict(classes=[...])' in str(info.value)


def test_unlabelled_dataset_stays_valid(tmp_path):
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(
        metainfo=dict(domain='faces'),
        data_list=[dict(img_path='a.png'), dict(img_path='b.png')])))
    ds = BaseFERDataset(str(ann), check_files=False)
    assert len(ds) == 2 and ds.metainfo['classes'] == ()


# ----------------------------------------------------------------------
# AU label arrays
# ----------------------------------------------------------------------
def test_au_occ_of_the_wrong_length(copy_of):
    root, ann_file = copy_of

    def edit(data_list):
        data_list[3]['au_occ'] = data_list[3]['au_occ'][:-2]
    data_list = _edit(ann_file, edit)
    with pytest.raises(ValueError) as info:
        _dataset(root)
    msg = str(info.value)
    assert ann_file in msg
    assert (f'sample 3 (img_path {osp.join(root, data_list[3]["img_path"])})'
            ': au_occ of length 15') in msg
    assert 'not the 17 AUs of metainfo au_names' in msg
    assert 'Give one entry per AU' in msg


def test_au_occ_holding_intensities(copy_of):
    root, ann_file = copy_of

    def edit(data_list):
        data_list[5]['au_occ'] = [3] + data_list[5]['au_occ'][1:]
    _edit(ann_file, edit)
    with pytest.raises(ValueError, match=r'au_occ values other than -1 \(not '
                       r'coded\), 0 and 1, e.g. sample 5 .*Binarise'):
        _dataset(root)


# ----------------------------------------------------------------------
# Empty dataset after a subject / label-space filter
# ----------------------------------------------------------------------
def test_empty_after_subject_filter(synthface_root):
    with pytest.raises(ValueError) as info:
        _dataset(synthface_root, subjects=[])
    msg = str(info.value)
    assert msg.startswith('SynthFaceDataset: no samples are left after '
                          "selecting subjects=[], split='train'")
    assert f"data_root '{synthface_root}'" in msg
    assert osp.join(synthface_root, 'annotations', 'train.json') in msg
    assert "The annotations hold 2 subject(s): ['S001', 'S002']" in msg
    assert 'Select subjects that occur in the annotations' in msg
    assert 'need at least one array' not in msg


def test_empty_au_dataset_after_subject_filter(disfa_root):
    with pytest.raises(ValueError) as info:
        DISFADataset(disfa_root, subjects=[])
    msg = str(info.value)
    assert "DISFADataset: no samples are left after selecting subjects=[], " \
        "split='train'" in msg
    assert disfa_root in msg and 'check data_root' in msg


def test_label_space_dropping_every_sample(tmp_path):
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(
        metainfo=dict(classes=['contempt'], domain='x'),
        data_list=[dict(img_path='a.png', gt_label=0)])))
    with pytest.raises(ValueError, match=re.escape(
            "unmapped='drop' dropped every sample (the dataset has "
            "['contempt'])")):
        BaseFERDataset(str(ann), check_files=False, label_space='dfew',
                       unmapped='drop')


# ----------------------------------------------------------------------
# DISFA: the missing-AU-file message names the AU (was a literal "{au}")
# ----------------------------------------------------------------------
@pytest.fixture(scope='module')
def disfa_root(tmp_path_factory):
    out = tmp_path_factory.mktemp('bad_inputs_disfa') / 'DISFA'
    generate_layout('disfa', out, subjects=1, frames=6, episode=3, size=32,
                    extract_frames=True, verbose=False)
    return str(out)


def test_disfa_missing_au_file_names_the_au(disfa_root, tmp_path):
    root = str(tmp_path / 'DISFA')
    shutil.copytree(disfa_root, root)
    os.remove(osp.join(root, 'meta.json'))  # real data from here on
    subj = sorted(os.listdir(osp.join(root, 'ActionUnit_Labels')))[0]
    path = osp.join(root, 'ActionUnit_Labels', subj, f'{subj}_au9.txt')
    os.remove(path)
    with pytest.raises(FileNotFoundError) as info:
        DISFADataset(root)
    msg = str(info.value)
    assert f'AU label file {path} is missing' in msg
    assert 'drop AU9 from au_ids' in msg and '{au}' not in msg
