"""LoadParsingMap and the geometric transforms that move the map with the
image (SynthFace renders are pixel-aligned: parsing == 0 exactly where the
depth is background)."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose

from mmfer.datasets.synthface import SynthFaceRenderer, sample_subject
from mmfer.datasets.synthface.constants import PARSING_CLASSES, PARSING_INDEX
from mmfer.datasets.transforms import (CELEBAMASK_HQ_CLASSES,
                                       CELEBAMASK_HQ_PARTS, LoadParsingMap,
                                       PackFERInputs, RandomResizedCrop,
                                       parsing_flip_pairs)
from mmfer.registry import TRANSFORMS
from mmfer.structures.codecs import encode_depth

S = 64


@pytest.fixture(scope='module')
def render_files(tmp_path_factory):
    """A SynthFace render written as rgb / depth / parsing PNGs."""
    root = tmp_path_factory.mktemp('synthface')
    out = SynthFaceRenderer(S).render(sample_subject(0, 0), {12: 4}, seed=3)
    paths = dict(img_path=str(root / 'rgb.png'),
                 depth_path=str(root / 'depth.png'),
                 parsing_path=str(root / 'parsing.png'))
    cv2.imwrite(paths['img_path'], out['rgb'][..., ::-1])
    cv2.imwrite(paths['depth_path'], encode_depth(out['depth']))
    cv2.imwrite(paths['parsing_path'], out['parsing'])
    return paths, out


def eye_centres(lab):
    """Column centroid of the left_eye and right_eye classes."""
    return [np.nonzero(lab == PARSING_INDEX[c])[1].mean()
            for c in ('left_eye', 'right_eye')]


def test_loads_the_class_map_and_packs_it(render_files):
    paths, out = render_files
    pipeline = Compose([
        dict(type='LoadFaceModalities', modalities=('rgb', 'depth')),
        dict(type='LoadParsingMap', num_classes=len(PARSING_CLASSES)),
        dict(type='PackFERInputs'),
    ])
    packed = pipeline(dict(paths))
    parsing = packed['data_samples'].gt_parsing
    assert parsing.dtype == torch.uint8 and parsing.shape == (S, S)
    np.testing.assert_array_equal(parsing.numpy(), out['parsing'])
    # the renderer's alignment survives loading: depth channel 0 = background
    assert torch.equal(packed['inputs'][3] == 0, parsing == 0)


@pytest.mark.parametrize('seed', range(4))
def test_crop_flip_resize_keep_the_map_aligned(render_files, seed):
    """Nearest interpolation everywhere: alignment must be exact."""
    paths, _ = render_files
    pairs = parsing_flip_pairs(PARSING_CLASSES)
    pipeline = Compose([
        dict(type='LoadFaceModalities', modalities=('rgb', 'depth')),
        dict(type='LoadParsingMap'),
        dict(type='RandomResizedCrop', scale=48, crop_ratio_range=(0.3, 1),
             interpolation='nearest'),
        dict(type='mmpretrain.RandomFlip', prob=1.0,
             direction='horizontal', swap_seg_labels=pairs),
        dict(type='mmpretrain.Resize', scale=(40, 30),
             interpolation='nearest'),
        dict(type='PackFERInputs'),
    ])
    np.random.seed(seed)
    packed = pipeline(dict(paths))
    img, lab = packed['inputs'], packed['data_samples'].gt_parsing
    assert img.shape == (4, 30, 40) and lab.shape == (30, 40)
    assert packed['data_samples'].flip is True
    assert torch.equal(img[3] == 0, lab == 0)


def test_bilinear_image_stays_aligned_and_flip_swaps_sides(render_files):
    """The configs' interpolation (bicubic / bilinear image, nearest map):
    the face region of both agrees up to a boundary pixel, and after the
    flip with swap pairs the viewer's left eye is still on the left."""
    paths, out = render_files
    assert np.subtract(*eye_centres(out['parsing'])) < 0
    base = [dict(type='LoadFaceModalities', modalities=('rgb', 'depth')),
            dict(type='LoadParsingMap'),
            dict(type='RandomResizedCrop', scale=96,
                 crop_ratio_range=(0.9, 1), interpolation='bicubic')]
    flip = dict(type='mmpretrain.RandomFlip', prob=1.0,
                direction='horizontal')
    for swap, sign in ((parsing_flip_pairs(PARSING_CLASSES), -1), (None, 1)):
        np.random.seed(0)
        res = Compose(base + [dict(flip, swap_seg_labels=swap)])(dict(paths))
        face_img = res['img'][..., 3] > 0  # depth: face >= 1
        face_lab = res['gt_seg_map'] > 0
        iou = (face_img & face_lab).sum() / (face_img | face_lab).sum()
        assert iou > 0.95
        assert np.sign(np.subtract(*eye_centres(res['gt_seg_map']))) == sign


def test_random_resized_crop_matches_mmpretrain_without_a_map():
    img = np.random.RandomState(0).randint(0, 255, (40, 50, 3), np.uint8)
    theirs = TRANSFORMS.build(
        dict(type='mmpretrain.RandomResizedCrop', scale=24))
    np.random.seed(5)
    ref = theirs(dict(img=img.copy()))['img']
    np.random.seed(5)
    ours = RandomResizedCrop(scale=24)(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(ours, ref)
    with pytest.raises(ValueError, match='differ in size'):
        RandomResizedCrop(scale=24)(
            dict(img=img, gt_seg_map=np.zeros((10, 10), np.uint8)))


def write_mask(path, mask):
    """CelebAMask-HQ style: 3-channel, white part on black."""
    cv2.imwrite(path, np.repeat(mask[..., None] * 255, 3, 2).astype(np.uint8))


def test_celebamask_hq_part_files_merge_in_the_official_order(tmp_path):
    size = 16  # masks at half the image size, as 512 vs 1024 in CelebA-HQ
    skin = np.zeros((size, size), np.uint8)
    skin[2:14, 2:14] = 1
    hair = np.zeros_like(skin)
    hair[:6] = 1  # over the top of the skin
    l_eye = np.zeros_like(skin)
    l_eye[7:9, 4:6] = 1
    for name, m in (('skin', skin), ('hair', hair), ('l_eye', l_eye)):
        write_mask(str(tmp_path / f'00007_{name}.png'), m)
    template = str(tmp_path / '00007_{part}.png')
    res = LoadParsingMap()(dict(parsing_path=template,
                                img=np.zeros((32, 32, 3), np.uint8)))
    lab = res['gt_seg_map']
    assert lab.shape == (32, 32)
    ids = {c: CELEBAMASK_HQ_CLASSES.index(c) for c in ('skin', 'hair',
                                                       'l_eye')}
    up = lambda m: cv2.resize(m, (32, 32),  # noqa: E731
                              interpolation=cv2.INTER_NEAREST).astype(bool)
    assert (lab[up(hair)] == ids['hair']).all()  # hair is drawn after skin
    assert (lab[up(l_eye)] == ids['l_eye']).all()
    assert (lab[up(skin) & ~up(hair) & ~up(l_eye)] == ids['skin']).all()
    assert (lab[~(up(skin) | up(hair))] == 0).all()
    assert len(CELEBAMASK_HQ_PARTS) == 18 and ids['skin'] == 1
    assert parsing_flip_pairs(CELEBAMASK_HQ_CLASSES) == [(4, 5), (6, 7),
                                                         (8, 9)]


def test_errors_name_the_file_and_the_fix(tmp_path):
    t = LoadParsingMap(num_classes=3)
    with pytest.raises(KeyError, match='parsing_path'):
        t(dict(img_path='a.png'))
    colour = str(tmp_path / 'colour.png')
    cv2.imwrite(colour, np.dstack([np.zeros((4, 4), np.uint8),
                                   np.ones((4, 4), np.uint8),
                                   np.zeros((4, 4), np.uint8)]))
    with pytest.raises(ValueError, match='colour.png.*single-channel'):
        t(dict(parsing_path=colour))
    ids = str(tmp_path / 'ids.png')
    cv2.imwrite(ids, np.full((4, 6), 5, np.uint8))
    with pytest.raises(ValueError, match='ids.png: class id 5 >= num_cl'):
        t(dict(parsing_path=ids))
    with pytest.raises(ValueError, match='other aspect ratio'):
        LoadParsingMap()(dict(parsing_path=ids,
                              img=np.zeros((4, 4, 3), np.uint8)))
    with pytest.raises(FileNotFoundError, match='No part mask'):
        t(dict(parsing_path=osp.join(str(tmp_path), 'x_{part}.png')))
    with pytest.raises(ValueError, match='distinct'):
        LoadParsingMap(parts=('skin', 'skin'))
    assert 'LoadParsingMap(parts=' in repr(t)
    assert 'PackFERInputs' in repr(PackFERInputs())
