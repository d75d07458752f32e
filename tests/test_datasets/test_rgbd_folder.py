"""RGBDFolderDataset (VT-KFER / CCZU-FER aliases): RGB-depth pairing by
name, patterns, unpaired files, and LoadFaceModalities' Kinect depth codec."""
import os
import os.path as osp
import shutil
from collections import Counter

import cv2
import numpy as np
import pytest

from mmfer.datasets import (CCZUFERDataset, RGBDFolderDataset,
                            VTKFERDataset)
from mmfer.datasets.rgbd_folder import RGBD_FER_CLASSES, pattern_to_regex
from mmfer.datasets.synthface import generate_layout
from mmfer.datasets.transforms import LoadFaceModalities
from mmfer.datasets.transforms.loading import kinect_depth_png_to_uint8
from mmfer.utils import register_all_modules

register_all_modules()


@pytest.fixture(scope='module')
def vt_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('vtkfer') / 'VT-KFER'
    generate_layout('vtkfer', root, subjects=2, samples=2, size=48,
                    verbose=False)
    return str(root)


def _copy(src, tmp_path):
    dst = str(tmp_path / 'copy')
    shutil.copytree(src, dst)
    os.remove(osp.join(dst, 'meta.json'))
    return dst


def test_pairs_labels_and_keys(vt_root):
    ds = VTKFERDataset(vt_root)
    assert ds.metainfo['classes'] == RGBD_FER_CLASSES
    assert len(ds) == 2 * 7 * 2
    assert Counter(ds.get_gt_labels().tolist()) == {k: 4 for k in range(7)}
    for i in range(len(ds)):
        d = ds.get_data_info(i)
        # the depth file is the RGB's pattern filled with the same fields
        assert d['img_path'] == osp.join(
            vt_root, d['subject'], d['expression'], f'{d["name"]}_rgb.png')
        assert d['depth_path'] == d['img_path'][:-len('rgb.png')] + (
            'depth.png')
        assert ds.metainfo['classes'][d['gt_label']] == d['expression']
        assert d['depth_codec'] == 'uint16_mm' and d['domain'] == 'vtkfer'
    assert ds.LAYOUT == 'vtkfer'


def test_layout_depth_is_kinect_millimetres(vt_root):
    ds = VTKFERDataset(vt_root)
    d = ds.get_data_info(0)
    raw = cv2.imread(d['depth_path'], cv2.IMREAD_UNCHANGED)
    rgb = cv2.imread(d['img_path'])
    assert raw.dtype == np.uint16 and raw.shape == rgb.shape[:2]
    valid = raw[raw > 0].astype(float)
    assert (raw == 0).any()                      # holes at depth edges
    # the face is in Kinect v1's working range, the wall behind it
    assert 700 < valid.min() < 1200 and valid.max() > 1700


def test_kinect_depth_codec_hand_values():
    raw = np.array([[0, 1000], [1500, 2000]], np.uint16)
    # nearest valid (1000 mm) -> 255, farthest (2000) -> 1, no reading -> 0
    assert kinect_depth_png_to_uint8(raw).tolist() == [[0, 255], [128, 1]]
    with pytest.raises(ValueError, match='uint16'):
        kinect_depth_png_to_uint8(raw.astype(np.uint8), source='x.png')


def test_load_face_modalities_depth_codec(vt_root, tmp_path):
    path = str(tmp_path / 'd.png')
    cv2.imwrite(path, np.array([[0, 1000], [1500, 16000]], np.uint16))
    sample = dict(depth_path=path, depth_codec='uint16_mm')
    # Kinect mm: 1000 mm nearest -> 255, 16000 mm (a far wall) -> 1,
    # 1500 -> 1 + 254 * 14500 / 15000 = 246.5 -> 247
    out = LoadFaceModalities(modalities=('depth', ))(dict(sample))
    assert out['img'][..., 0].tolist() == [[0, 255], [247, 1]]
    # the transform's own codec overrides the sample's: as mmfer 0.1 mm the
    # same codes are 100 / 150 mm and 1600 mm (beyond the 1500 mm far
    # plane: background 0)
    mm = LoadFaceModalities(modalities=('depth', ), depth_codec='mmfer')
    assert mm(dict(sample))['img'][..., 0].tolist() == [[0, 255], [1, 0]]
    assert 'uint16_mm' not in repr(mm) and "depth_codec='mmfer'" in repr(mm)
    with pytest.raises(ValueError, match='depth_codec'):
        LoadFaceModalities(modalities=('depth', ), depth_codec='kinect')
    # through the dataset: RGB + depth, 4 channels, face nearest
    ds = VTKFERDataset(vt_root, pipeline=[
        dict(type='LoadFaceModalities', modalities=('rgb', 'depth'))])
    img = ds[0]['img']
    raw = cv2.imread(ds.get_data_info(0)['depth_path'], cv2.IMREAD_UNCHANGED)
    assert img.shape == (48, 48, 4)
    assert ((img[..., 3] == 0) == (raw == 0)).all()
    assert img[..., 3][raw == raw[raw > 0].min()].max() == 255


def test_unpaired_and_bad_expression(vt_root, tmp_path):
    root = _copy(vt_root, tmp_path)
    gone = osp.join(root, 'S01', 'fear', '0001_depth.png')
    os.remove(gone)
    with pytest.raises(FileNotFoundError) as e:
        VTKFERDataset(root)
    assert '0001_rgb.png' in str(e.value) and gone in str(e.value)
    assert "unpaired='skip'" in str(e.value)
    ds = VTKFERDataset(root, unpaired='skip')
    assert len(ds) == 27 and ds.num_unpaired == 1
    os.makedirs(osp.join(root, 'S01', 'boredom'))
    for suffix in ('rgb', 'depth'):
        shutil.copy(osp.join(root, 'S01', 'anger', f'0000_{suffix}.png'),
                    osp.join(root, 'S01', 'boredom', f'0000_{suffix}.png'))
    with pytest.raises(ValueError, match=r"boredom.*'boredom'.*classes="):
        VTKFERDataset(root, unpaired='skip')
    with pytest.raises(FileNotFoundError, match='matches rgb_pattern'):
        VTKFERDataset(root, rgb_pattern='{subject}/{name}.jpg',
                      depth_pattern='{subject}/{name}_depth.png')


def test_custom_patterns_and_classes(vt_root, tmp_path):
    # a flat CCZU-FER-style folder: S01_happy_0000_color.png + ..._depth.png
    root = tmp_path / 'flat'
    src = VTKFERDataset(vt_root, subjects=['S02'])
    alias = {'happiness': 'happy', 'anger': 'angry', 'sadness': 'sad'}
    root.mkdir()
    for i in range(len(src)):
        d = src.get_data_info(i)
        expr = alias.get(d['expression'], d['expression'])
        stem = root / f'{d["subject"]}_{expr}_{d["name"]}'
        shutil.copy(d['img_path'], f'{stem}_color.png')
        shutil.copy(d['depth_path'], f'{stem}_depth.png')
    classes = ('neutral', 'happy', 'sad', 'surprise', 'fear', 'disgust',
               'angry')
    ds = CCZUFERDataset(str(root), classes=classes,
                        rgb_pattern='{subject}_{expression}_{name}_color.png',
                        depth_pattern='{subject}_{expression}_{name}_'
                        'depth.png')
    assert len(ds) == 14 and ds.metainfo['classes'][1] == 'happiness'
    assert ds.get_data_info(0)['domain'] == 'cczufer'
    for i in range(len(ds)):
        d = ds.get_data_info(i)
        assert ds.metainfo['classes'][d['gt_label']] == d['expression']
        assert d['subject'] == 'S02'
    # the generic class needs a domain
    with pytest.raises(ValueError, match='domain'):
        RGBDFolderDataset(vt_root)
    assert len(RGBDFolderDataset(vt_root, domain='kinect')) == 28


def test_pattern_errors():
    rx = pattern_to_regex('{subject}/{expression}/{name}_rgb.png')
    assert rx.fullmatch('S1/happy/a_b_rgb.png').groupdict() == {
        'subject': 'S1', 'expression': 'happy', 'name': 'a_b'}
    assert rx.fullmatch('S1/x/happy/a_rgb.png') is None
    with pytest.raises(ValueError, match="unknown fields \\['take'\\]"):
        pattern_to_regex('{subject}/{take}_{name}.png')
    with pytest.raises(ValueError, match='subject'):
        pattern_to_regex('{expression}/{name}.png')
    with pytest.raises(ValueError, match='more than once'):
        pattern_to_regex('{subject}/{subject}_{name}.png')
    with pytest.raises(ValueError, match='does not define'):
        RGBDFolderDataset('.', domain='x', rgb_pattern='{subject}/{name}.png',
                          depth_pattern='{subject}/{expression}/{name}.png')
    with pytest.raises(ValueError, match='depth_codec'):
        RGBDFolderDataset('.', domain='x', depth_codec='kinect')


def test_auto_generate_cczufer(tmp_path):
    ds = CCZUFERDataset(str(tmp_path / 'cczu'), auto_generate=dict(
        subjects=1, samples=1, size=32))
    assert len(ds) == 7 and ds.get_data_info(0)['subject'] == 'S01'
