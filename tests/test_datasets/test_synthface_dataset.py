"""SynthFaceDataset and the dataset contract of BaseFERDataset.

Contract (``FERDatasetMixin``): canonical ``classes``, a ``domain`` string
on every sample (packed into the data sample), ``label_space`` re-indexing
by name, SynthFace auto-generation.
"""
import json
import os.path as osp

import numpy as np
import pytest

from mmfer.datasets import BaseFERDataset, SynthFaceDataset
from mmfer.structures.expressions import dataset_classes
from mmfer.utils import register_all_modules

register_all_modules()

GEN = dict(subjects=3, samples=8, size=32, seed=0, domains=['lab', 'wild'],
           verbose=False)
PIPELINE = [dict(type='LoadFaceModalities', modalities=('rgb', )),
            dict(type='PackFERInputs')]


@pytest.fixture(scope='module')
def sf_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('sf') / 'synthface')
    SynthFaceDataset(root, split='all', auto_generate=GEN)  # renders once
    return root


def _items(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_classes_are_canonical_and_every_sample_has_a_domain(sf_root):
    ds = SynthFaceDataset(sf_root, split='all')
    assert ds.metainfo['classes'] == dataset_classes('synthface')
    items = _items(ds)
    assert len(items) == 3 * 8
    with open(osp.join(sf_root, 'annotations', 'all.json')) as f:
        raw = json.load(f)['data_list']
    for item, r in zip(items, raw):
        assert item['domain'] == 'synthface'
        # the rendered domain keeps its id and name
        assert item['domain_label'] == r['domain']
        assert ds.metainfo['domains'][item['domain_label']] == item[
            'domain_name']
        assert ds.metainfo['classes'][item['gt_label']] == r['expression']
    assert {d['domain_name'] for d in items} == {'lab', 'wild'}
    labels = ds.get_gt_labels()
    assert labels.tolist() == [r['gt_label'] for r in raw]


def test_domain_is_packed_into_the_data_sample(sf_root):
    ds = SynthFaceDataset(sf_root, split='val', pipeline=PIPELINE,
                          domain='synthface_val')
    sample = ds[0]['data_samples']
    assert sample.domain == 'synthface_val'
    assert sample.domain_name in ('lab', 'wild')
    assert isinstance(sample.domain_label, int)


def test_label_space_reindexes_by_name(sf_root):
    own = SynthFaceDataset(sf_root, split='all')
    as_dfew = SynthFaceDataset(sf_root, split='all', label_space='dfew')
    assert as_dfew.metainfo['classes'] == dataset_classes('dfew')
    assert as_dfew.dataset_classes == dataset_classes('synthface')
    for a, b in zip(_items(own), _items(as_dfew)):
        assert (own.metainfo['classes'][a['gt_label']] ==
                as_dfew.metainfo['classes'][b['gt_label']])
    # BU-3DFE's six classes lack neutral: an error, or drop those samples
    names = [own.metainfo['classes'][i] for i in own.get_gt_labels()]
    assert 'neutral' in names
    with pytest.raises(ValueError, match=r"lacks the classes \{'neutral'"):
        SynthFaceDataset(sf_root, split='all', label_space='bu3dfe')
    six = SynthFaceDataset(sf_root, split='all', label_space='bu3dfe',
                           unmapped='drop')
    assert len(six) == len(names) - names.count('neutral')
    assert six.metainfo['classes'] == dataset_classes('bu3dfe')
    assert np.all(six.get_gt_labels() < 6)


def test_bad_arguments(sf_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='auto_generate'):
        SynthFaceDataset(str(tmp_path / 'nothing'))
    with pytest.raises(ValueError, match='known datasets'):
        SynthFaceDataset(sf_root, label_space='imagenet')
    with pytest.raises(ValueError, match="unmapped must be one of"):
        SynthFaceDataset(sf_root, unmapped='ignore')
    with pytest.raises(TypeError, match='domain must be a non-empty str'):
        SynthFaceDataset(sf_root, domain=1)


def _write_ann(path, metainfo, data_list):
    with open(path, 'w') as f:
        json.dump(dict(metainfo=metainfo, data_list=data_list), f)


def test_generic_annotations_get_canonical_classes_and_a_domain(tmp_path):
    ann = str(tmp_path / 'ann.json')
    data = [dict(img_path='a.png', gt_label=0), dict(img_path='b.png',
                                                     gt_label=1)]
    _write_ann(ann, dict(classes=['Happy', 'Angry'], domain='mine'), data)
    ds = BaseFERDataset(ann, check_files=False)
    assert ds.metainfo['classes'] == ('happiness', 'anger')
    assert [d['domain'] for d in _items(ds)] == ['mine', 'mine']
    ds = BaseFERDataset(ann, check_files=False, domain='other')
    assert _items(ds)[0]['domain'] == 'other'
    # no domain anywhere: an error that says how to give one
    _write_ann(ann, dict(classes=['Happy', 'Angry']), data)
    with pytest.raises(ValueError, match="pass domain='<dataset name>'"):
        BaseFERDataset(ann, check_files=False)
    # unknown class names and labels outside the classes
    _write_ann(ann, dict(classes=['Happy', 'Bored'], domain='x'), data)
    with pytest.raises(ValueError, match="unknown expression 'Bored'"):
        BaseFERDataset(ann, check_files=False)
    _write_ann(ann, dict(classes=['Happy'], domain='x'), data)
    with pytest.raises(ValueError, match=r'gt_label \[1\] outside the 1'):
        BaseFERDataset(ann, check_files=False)
