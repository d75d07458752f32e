"""FaceFolderDataset and the CelebA / FFHQ / CASIA-WebFace aliases.

EMPD Sec. IV-A pre-trains on these unlabelled face folders: label-free
samples, the real layouts and splits, a distinct domain per source.
"""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmfer.datasets import (CASIAWebFaceDataset, CelebADataset,
                            FaceFolderDataset, FFHQDataset)
from mmfer.datasets.synthface import generate_layout
from mmfer.datasets.synthface.layouts.face_folders import \
    FACE_FOLDER_DOMAINS
from mmfer.registry import DATASETS


def _img(path, value=0, size=8):
    path = str(path)
    import os
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, np.full((size, size, 3), value, np.uint8))


def _rel(ds, root):
    return [osp.relpath(ds.get_data_info(i)['img_path'], str(root))
            for i in range(len(ds))]


def test_glob_by_extension_sorted_and_label_free(tmp_path):
    for name in ('b/2.png', 'a/10.JPG', 'a/1.jpeg', 'c/d/3.bmp', 'top.jpg'):
        _img(tmp_path / name)
    (tmp_path / 'LICENSE.txt').write_text('x')
    (tmp_path / 'a' / 'names.txt').write_text('x')
    ds = FaceFolderDataset(str(tmp_path), domain='toy', pipeline=[
        dict(type='LoadFaceModalities', modalities=('rgb', )),
        dict(type='PackFERInputs')])
    assert _rel(ds, tmp_path) == ['a/1.jpeg', 'a/10.JPG', 'b/2.png',
                                  'c/d/3.bmp', 'top.jpg']
    assert ds.metainfo['classes'] == ()
    assert ds.get_data_info(0)['domain'] == 'toy'
    out = ds[2]
    assert out['inputs'].shape == (3, 8, 8)
    assert 'gt_label' not in out['data_samples']
    assert out['data_samples'].domain == 'toy'
    with pytest.raises(KeyError, match='gt_label'):
        ds.get_gt_labels()
    flat = FaceFolderDataset(str(tmp_path), domain='toy', recursive=False)
    assert _rel(flat, tmp_path) == ['top.jpg']
    only_png = FaceFolderDataset(str(tmp_path), domain='toy',
                                 extensions=('.png', ))
    assert _rel(only_png, tmp_path) == ['b/2.png']
    # the same folder twice: the same order
    assert _rel(FaceFolderDataset(str(tmp_path), domain='toy'),
                tmp_path) == _rel(ds, tmp_path)


def test_subject_from_dir(tmp_path):
    for name in ('0000045/001.jpg', '0000045/002.jpg', '0000099/001.jpg'):
        _img(tmp_path / name)
    ds = FaceFolderDataset(str(tmp_path), domain='x', subject_from_dir=True)
    assert [ds.get_data_info(i)['subject'] for i in range(3)] == [
        '0000045', '0000045', '0000099']
    _img(tmp_path / 'loose.jpg')
    with pytest.raises(ValueError, match='loose.jpg.*subject_from_dir'):
        FaceFolderDataset(str(tmp_path), domain='x', subject_from_dir=True)


def test_bad_inputs_name_the_folder_and_fix(tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'LICENSE.txt').write_text('only text')
    with pytest.raises(FileNotFoundError,
                       match=f'no image .* in {empty}.*empty source domain'):
        FaceFolderDataset(str(empty), domain='x')
    with pytest.raises(FileNotFoundError, match='imgs not found. Check '
                       'data_root'):
        FaceFolderDataset(str(tmp_path), image_dir='imgs', domain='x')
    _img(tmp_path / 'f' / '1.jpg')
    with pytest.raises(ValueError, match="domain='<dataset name>'"):
        FaceFolderDataset(str(tmp_path / 'f'))
    with pytest.raises(ValueError, match='needs a split_file'):
        FaceFolderDataset(str(tmp_path / 'f'), domain='x', split='train')
    with pytest.raises(ValueError, match='extensions must be'):
        FaceFolderDataset(str(tmp_path / 'f'), domain='x',
                          extensions=('jpg', ))


def test_celeba_partition_file(tmp_path):
    for k in range(1, 6):
        _img(tmp_path / 'img_align_celeba' / f'{k:06d}.jpg')
    (tmp_path / 'list_eval_partition.txt').write_text(
        '000001.jpg 0\n000002.jpg 0\n000003.jpg 1\n000004.jpg 2\n'
        '000005.jpg 2\n')
    names = {s: [osp.basename(p) for p in _rel(CelebADataset(
        str(tmp_path), split=s), tmp_path)]
        for s in ('train', 'val', 'test')}
    assert names == dict(train=['000001.jpg', '000002.jpg'],
                         val=['000003.jpg'],
                         test=['000004.jpg', '000005.jpg'])
    ds = CelebADataset(str(tmp_path))
    assert len(ds) == 5 and ds.get_data_info(0)['domain'] == 'celeba'
    (tmp_path / 'list_eval_partition.txt').write_text('000001.jpg 7\n')
    with pytest.raises(ValueError, match=r'list_eval_partition.txt, line 1'
                       r'.*<0\|1\|2>'):
        CelebADataset(str(tmp_path), split='train')


def test_ffhq_split_by_number_and_folder_choice(tmp_path):
    _img(tmp_path / 'thumbnails128x128' / '59000' / '59999.png')
    _img(tmp_path / 'thumbnails128x128' / '60000' / '60000.png')
    (tmp_path / 'LICENSE.txt').write_text('x')
    # images1024x1024 absent: thumbnails128x128 is used
    train = FFHQDataset(str(tmp_path), split='train')
    val = FFHQDataset(str(tmp_path), split='val')
    assert _rel(train, tmp_path) == ['thumbnails128x128/59000/59999.png']
    assert _rel(val, tmp_path) == ['thumbnails128x128/60000/60000.png']
    assert train.get_data_info(0)['domain'] == 'ffhq'
    with pytest.raises(FileNotFoundError, match='images1024x1024'):
        FFHQDataset(str(tmp_path / 'nope'))


def test_registered_aliases():
    for name in ('FaceFolderDataset', 'CelebADataset', 'FFHQDataset',
                 'CASIAWebFaceDataset'):
        assert DATASETS.get(name) is not None


def _sharpness(path):
    gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE).astype(np.float32)
    return float(cv2.Laplacian(gray, cv2.CV_32F).var())


def test_synthface_face_folder_layouts_are_distinct_domains(tmp_path):
    gen = dict(subjects=3, samples=2, size=64, seed=0, verbose=False)
    sets = {}
    for layout, cls in (('celeba', CelebADataset), ('ffhq', FFHQDataset),
                        ('casia_webface', CASIAWebFaceDataset)):
        root = str(tmp_path / layout)
        ds = cls(root, auto_generate=gen)
        assert len(ds) == 6 and ds.metainfo['classes'] == ()
        assert ds.get_data_info(0)['domain'] == cls.DOMAIN == layout
        sets[layout] = [ds.get_data_info(i)['img_path'] for i in range(6)]
    # the real names
    assert osp.basename(sets['celeba'][0]) == '000001.jpg'
    assert sets['ffhq'][5].endswith('images1024x1024/00000/00005.png')
    casia = CASIAWebFaceDataset(str(tmp_path / 'casia_webface'))
    assert casia.get_data_info(0)['subject'] == '0000045'
    assert sets['casia_webface'][0].endswith('0000045/001.jpg')
    # CelebA: subject-exclusive partition, 1 subject each for val / test
    assert len(CelebADataset(str(tmp_path / 'celeba'), split='val')) == 2
    # distinct looks: the same identities, three different domains; the
    # clean FFHQ portraits are sharper than the low-res web JPEGs of CASIA
    assert len({str(sorted(d.items())) for d in
                FACE_FOLDER_DOMAINS.values()}) == 3
    sharp = {k: np.mean([_sharpness(p) for p in v]) for k, v in sets.items()}
    assert sharp['ffhq'] > sharp['casia_webface']
    a = cv2.imread(sets['ffhq'][0]).astype(float)
    b = cv2.imread(sets['celeba'][0]).astype(float)
    assert np.abs(a - b).mean() > 5


def test_ffhq_layout_thumbnail_folder(tmp_path):
    ds = FFHQDataset(str(tmp_path / 'ffhq'), auto_generate=dict(
        subjects=1, samples=2, size=32, folder='thumbnails128x128',
        verbose=False))
    assert _rel(ds, tmp_path / 'ffhq') == [
        'thumbnails128x128/00000/00000.png',
        'thumbnails128x128/00000/00001.png']
    assert osp.isfile(str(tmp_path / 'ffhq' / 'LICENSE.txt'))
