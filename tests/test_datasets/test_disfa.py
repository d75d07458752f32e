"""DISFADataset on SynthFace data in the DISFA layout."""
import os
import os.path as osp
import shutil

import pytest

from mmfer.datasets import DISFADataset
from mmfer.datasets.protocols import DISFA_AUS
from mmfer.datasets.synthface import generate_layout


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    # SN002 (part 1), SN013 (part 2), SN003 (part 3); 10 frames each, frames
    # extracted to img/SN002/{t}.png.
    out = tmp_path_factory.mktemp('disfa') / 'DISFA'
    generate_layout('disfa', out, subjects=3, frames=10, episode=5, size=32,
                    extract_frames=True, verbose=False)
    return str(out)


def _copy(src, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(src, dst)
    os.remove(osp.join(dst, 'meta.json'))
    return dst


def _labels(root, subj, au):
    path = osp.join(root, 'ActionUnit_Labels', subj, f'{subj}_au{au}.txt')
    with open(path) as f:
        return {int(a): int(b) for a, b in (line.strip().split(',')
                                            for line in f if line.strip())}


def test_one_based_labels_map_to_zero_based_frames(root):
    ds = DISFADataset(root)
    assert len(ds) == 30 and ds.num_skipped == 0
    assert ds.metainfo['au_names'] == [f'AU{k}' for k in DISFA_AUS]
    assert ds.metainfo['classes'] == ()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['domain'] == 'disfa'
        t = int(osp.splitext(osp.basename(info['img_path']))[0])
        assert t == info['frame']
        for k, au in enumerate(DISFA_AUS):
            inten = _labels(root, info['subject'], au)[t + 1]  # 1-based
            assert info['au_int'][k] == inten
            assert info['au_occ'][k] == int(inten >= 2)        # >= 2
    assert ds.get_au_labels().shape == (30, 8)


def test_threshold_option(root):
    hi = DISFADataset(root, threshold=4).get_au_labels().sum()
    lo = DISFADataset(root, threshold=1).get_au_labels().sum()
    assert lo >= DISFADataset(root).get_au_labels().sum() >= hi


def test_folds(root):
    def subj(d):
        return {d.get_data_info(i)['subject'] for i in range(len(d))}
    assert subj(DISFADataset(root, fold=1, split='test',
                             allow_missing_subjects=True)) == {'SN003'}
    assert subj(DISFADataset(root, fold=2, split='test',
                             allow_missing_subjects=True)) == {'SN013'}
    assert subj(DISFADataset(root, fold=3, split='train',
                             allow_missing_subjects=True)) == {'SN013',
                                                               'SN003'}
    with pytest.raises(ValueError, match='SN010'):
        DISFADataset(root, fold=1, split='train')


def test_missing_au_file_is_an_error_or_unknown(root, tmp_path):
    r = _copy(root, tmp_path)
    os.remove(osp.join(r, 'ActionUnit_Labels', 'SN013', 'SN013_au9.txt'))
    with pytest.raises(FileNotFoundError, match='SN013_au9.txt'):
        DISFADataset(r)
    ds = DISFADataset(r, missing_au='unknown')
    k = DISFA_AUS.index(9)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert (info['au_occ'][k] == -1) == (info['subject'] == 'SN013')
    with pytest.raises(ValueError, match='missing_au'):
        DISFADataset(r, missing_au='zeros')


def test_missing_frames_and_bad_options(root, tmp_path):
    r = _copy(root, tmp_path)
    os.remove(osp.join(r, 'img', 'SN002', '9.png'))
    ds = DISFADataset(r)
    assert ds.num_skipped == 1 and len(ds) == 29
    shutil.rmtree(osp.join(r, 'img', 'SN003'))
    with pytest.raises(FileNotFoundError, match='disfa_extract_frames'):
        DISFADataset(r)
    with pytest.raises(ValueError, match='only RGB'):
        DISFADataset(root, modalities=('rgb', 'depth'))
    with pytest.raises(ValueError, match='not coded in DISFA'):
        DISFADataset(root, au_ids=(1, 7))


def test_jaanet_layout_frames_in_the_root(root, tmp_path):
    r = _copy(root, tmp_path)
    for subj in os.listdir(osp.join(r, 'img')):
        shutil.move(osp.join(r, 'img', subj), osp.join(r, subj))
    assert len(DISFADataset(r, img_prefix='')) == 30
