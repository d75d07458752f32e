"""CelebAMaskHQDataset and the SynthFace ``celebamask_hq`` layout.

CelebAMask-HQ (EMPD Sec. IV-A: the parsing supervision of the attention
block): CelebA-HQ-img/{k}.jpg, per-part masks {k//2000}/{k:05d}_{part}.png
(absent file = absent part; 512 masks vs 1024 images), CelebA split by the
mapping file's orig_idx.
"""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmfer.datasets import CelebAMaskHQDataset
from mmfer.datasets.synthface import PARSING_CLASSES, generate_layout
from mmfer.datasets.synthface.layouts.celebamask_hq import (PART_OF_CLASS,
                                                            part_masks)
from mmfer.datasets.transforms import LoadParsingMap, PackFERInputs
from mmfer.datasets.transforms.parsing import CELEBAMASK_HQ_CLASSES

GEN = dict(subjects=4, samples=2, size=64, seed=0, verbose=False)


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    out = tmp_path_factory.mktemp('cmhq') / 'CelebAMask-HQ'
    generate_layout('celebamask_hq', out, **GEN)
    return str(out)


def test_layout_files_as_the_real_archive(root):
    with open(osp.join(root, 'CelebA-HQ-to-CelebA-mapping.txt')) as f:
        lines = f.read().splitlines()
    assert lines[0].split() == ['idx', 'orig_idx', 'orig_file']
    assert len(lines) == 1 + 8
    img = cv2.imread(osp.join(root, 'CelebA-HQ-img', '7.jpg'))
    assert img.shape == (64, 64, 3)
    masks = sorted(os.listdir(osp.join(root, 'CelebAMask-HQ-mask-anno',
                                       '0')))
    assert '00000_skin.png' in masks and '00007_hair.png' in masks
    # a part the face does not show has no file (the subjects wear no
    # glasses here, so there is no eye_g file)
    parts = {m[6:-4] for m in masks}
    assert parts <= set(PART_OF_CLASS.values()) | {'skin'}
    mask = cv2.imread(osp.join(root, 'CelebAMask-HQ-mask-anno', '0',
                               '00000_skin.png'), cv2.IMREAD_UNCHANGED)
    # 3-channel white-on-black, half the image size (512 vs 1024 in real)
    assert mask.shape == (32, 32, 3) and set(np.unique(mask)) == {0, 255}
    assert (mask == mask[..., :1]).all()


def test_splits_follow_the_celeba_partition(root, tmp_path):
    # 4 subjects x 2 images: 2 train subjects, 1 val, 1 test
    sizes = {s: len(CelebAMaskHQDataset(root, split=s))
             for s in ('train', 'val', 'test', 'all')}
    assert sizes == dict(train=4, val=2, test=2, all=8)
    # boundaries on orig_idx (official g_partition.py): < 162771 train,
    # < 182638 val, else test
    d = tmp_path / 'm'
    (d / 'CelebA-HQ-img').mkdir(parents=True)
    rows = [(0, 162770), (1, 162771), (2, 182637), (3, 182638)]
    (d / 'CelebA-HQ-to-CelebA-mapping.txt').write_text(
        'idx         orig_idx    orig_file\n' +
        ''.join(f'{k}  {o}  {o + 1:06d}.jpg\n' for k, o in rows))
    got = {}
    for s in ('train', 'val', 'test'):
        ds = CelebAMaskHQDataset(str(d), split=s, check_files=False)
        got[s] = [osp.basename(ds.get_data_info(i)['img_path'])
                  for i in range(len(ds))]
    assert got == dict(train=['0.jpg'], val=['1.jpg', '2.jpg'],
                       test=['3.jpg'])


def test_samples_and_pipeline_without_labels(root):
    ds = CelebAMaskHQDataset(root, split='all', pipeline=[
        dict(type='LoadFaceModalities', modalities=('rgb', )),
        dict(type='LoadParsingMap'),
        dict(type='PackFERInputs')])
    assert ds.metainfo['classes'] == ()
    assert ds.metainfo['parsing_classes'] == CELEBAMASK_HQ_CLASSES
    info = ds.get_data_info(5)
    assert info['domain'] == 'celebamask_hq' and 'gt_label' not in info
    assert info['parsing_path'] == osp.join(
        root, 'CelebAMask-HQ-mask-anno', '0', '00005_{part}.png')
    out = ds[5]
    sample = out['data_samples']
    assert out['inputs'].shape == (3, 64, 64)
    assert 'gt_label' not in sample and sample.domain == 'celebamask_hq'
    # the 32 x 32 masks were resized (nearest) to the 64 x 64 image
    parsing = np.asarray(sample.gt_parsing)
    assert parsing.shape[-2:] == (64, 64)
    assert set(np.unique(parsing)) <= set(range(len(CELEBAMASK_HQ_CLASSES)))
    with pytest.raises(KeyError, match='gt_label'):
        ds.get_gt_labels()


def test_merging_the_part_files_gives_back_the_rendered_map(tmp_path):
    # a hand-made SynthFace map: every face class once, hair, background
    P = {n: i for i, n in enumerate(PARSING_CLASSES)}
    lab = np.zeros((8, 8), np.uint8)
    lab[0, :] = P['hair']
    lab[1:7, 1:7] = P['skin']
    for k, cls in enumerate(('left_brow', 'right_brow', 'left_eye',
                             'right_eye', 'nose', 'upper_lip', 'lower_lip',
                             'inner_mouth', 'glasses')):
        lab[2 + k // 4, 2 + k % 4] = P[cls]
    for part, mask in part_masks(lab, 8).items():
        cv2.imwrite(str(tmp_path / f'00000_{part}.png'),
                    np.repeat(mask[..., None], 3, 2).astype(np.uint8) * 255)
    merged = LoadParsingMap()(dict(
        parsing_path=str(tmp_path / '00000_{part}.png')))['gt_seg_map']
    cm = {n: i for i, n in enumerate(CELEBAMASK_HQ_CLASSES)}
    expected = np.zeros_like(lab)
    for cls, i in P.items():
        if cls != 'background':
            expected[lab == i] = cm[PART_OF_CLASS.get(cls, cls)]
    np.testing.assert_array_equal(merged, expected)
    # skin covers the face under the parts, hair is not skin
    skin = cv2.imread(str(tmp_path / '00000_skin.png'), 0) > 0
    assert skin[1:7, 1:7].all() and not skin[0].any()


def test_mask_of_another_shape_is_an_error_naming_the_file(tmp_path):
    cv2.imwrite(str(tmp_path / '00000_skin.png'),
                np.full((32, 16, 3), 255, np.uint8))
    t = str(tmp_path / '00000_{part}.png')
    with pytest.raises(ValueError, match=r'00000_\{part\}.png.*aspect'):
        LoadParsingMap()(dict(parsing_path=t,
                              img=np.zeros((64, 64, 3), np.uint8)))
    # and without resizing, even the same aspect ratio is refused
    cv2.imwrite(str(tmp_path / '00000_skin.png'),
                np.full((32, 32, 3), 255, np.uint8))
    with pytest.raises(ValueError, match='pixel-aligned'):
        LoadParsingMap(resize_to_img=False)(dict(
            parsing_path=t, img=np.zeros((64, 64, 3), np.uint8)))


def test_startup_check_of_part_templates(root, tmp_path):
    import shutil
    copy = str(tmp_path / 'copy')
    shutil.copytree(root, copy)
    folder = osp.join(copy, 'CelebAMask-HQ-mask-anno', '0')
    # absent part files are normal: drop all but the skin of sample 3
    for f in os.listdir(folder):
        if f.startswith('00003_') and f != '00003_skin.png':
            os.remove(osp.join(folder, f))
    assert len(CelebAMaskHQDataset(copy, split='all')) == 8
    # no part file at all: an error naming the sample and the fix
    os.remove(osp.join(folder, '00003_skin.png'))
    with pytest.raises(FileNotFoundError,
                       match=r'no part mask file.*sample 3 \(.*00003_'
                       r'\{part\}.png'
                       r'.*CelebAMask-HQ-mask-anno'):
        CelebAMaskHQDataset(copy, split='all')
    # without parsing in the modalities the masks are not needed
    assert len(CelebAMaskHQDataset(copy, split='all',
                                   modalities=('rgb', ))) == 8


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        CelebAMaskHQDataset(str(tmp_path), split='dev')
    with pytest.raises(FileNotFoundError,
                       match='CelebA-HQ-to-CelebA-mapping.txt not found.*'
                       'auto_generate'):
        CelebAMaskHQDataset(str(tmp_path / 'nothing'))
    (tmp_path / 'CelebA-HQ-to-CelebA-mapping.txt').write_text(
        'idx orig_idx orig_file\n0 x 1.jpg\n')
    with pytest.raises(ValueError, match=r'mapping.txt, line 2.*idx '
                       'orig_idx orig_file'):
        CelebAMaskHQDataset(str(tmp_path))


def test_pack_without_gt_label():
    out = PackFERInputs()(dict(img=np.zeros((4, 4, 3), np.uint8),
                               domain='celeba'))
    assert 'gt_label' not in out['data_samples']
    assert out['data_samples'].domain == 'celeba'
