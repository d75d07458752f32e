import cv2
import numpy as np
import pytest

from mmfer.datasets.synthface import (DEPTH_BACKGROUND_MM, SynthFaceRenderer,
                                      encode_depth, encode_thermal,
                                      sample_subject)
from mmfer.datasets.transforms import LoadFaceModalities, PackFERInputs


@pytest.fixture(scope='module')
def face_files(tmp_path_factory):
    root = tmp_path_factory.mktemp('face')
    out = SynthFaceRenderer(size=48).render(
        sample_subject(0, 1), {'AU12': 3.0}, 'lab', seed=0, noise=False)
    paths = dict(
        img_path=str(root / 'rgb.png'),
        depth_path=str(root / 'depth.png'),
        thermal_path=str(root / 'thermal.png'))
    cv2.imwrite(paths['img_path'], cv2.cvtColor(out['rgb'],
                                                cv2.COLOR_RGB2BGR))
    cv2.imwrite(paths['depth_path'], encode_depth(out['depth']))
    cv2.imwrite(paths['thermal_path'], encode_thermal(out['thermal']))
    return out, paths


def test_rgbdt_five_channels_aligned(face_files):
    out, paths = face_files
    res = LoadFaceModalities(('rgb', 'depth', 'thermal'))(dict(paths))
    img = res['img']
    assert img.shape == (48, 48, 5) and img.dtype == np.uint8
    assert res['channel_names'] == ('R', 'G', 'B', 'D', 'T')
    np.testing.assert_array_equal(img[..., :3], out['rgb'])  # RGB order
    face = out['depth'] < DEPTH_BACKGROUND_MM - 0.5
    # depth channel: background 0, face > 0, nearest point brightest
    assert (img[..., 3][~face] == 0).all() and (img[..., 3][face] > 0).all()
    nearest = np.unravel_index(np.argmin(out['depth']), face.shape)
    assert img[..., 3][nearest] == 255
    # thermal channel: a fixed 20-40 °C window
    expect = np.clip((out['thermal'] - 20) / 20, 0, 1) * 255
    assert np.abs(img[..., 4].astype(float) - expect).max() <= 1.0


def test_depth_as_rgb(face_files):
    _, paths = face_files
    res = LoadFaceModalities(('depth', ), depth_as_rgb=True)(dict(paths))
    assert res['img'].shape == (48, 48, 3)
    assert (res['img'][..., 0] == res['img'][..., 2]).all()


def test_missing_and_corrupt_files_name_the_file(face_files, tmp_path):
    _, paths = face_files
    bad = dict(paths, depth_path=str(tmp_path / 'nope.png'))
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadFaceModalities(('rgb', 'depth'))(bad)
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG garbage')
    with pytest.raises(ValueError, match='corrupt.png'):
        LoadFaceModalities()(dict(img_path=str(corrupt)))
    with pytest.raises(KeyError, match='thermal_path'):
        LoadFaceModalities(('rgb', 'thermal'))(dict(img_path=paths['img_path']))


def test_8bit_depth_is_rejected(face_files, tmp_path):
    _, paths = face_files
    p = tmp_path / 'd8.png'
    cv2.imwrite(str(p), np.zeros((48, 48), np.uint8))
    with pytest.raises(ValueError, match='d8.png: Depth images must be uint16'):
        LoadFaceModalities(('depth', ))(dict(depth_path=str(p)))
    with pytest.raises(ValueError, match='d8.png: Thermal'):
        LoadFaceModalities(('thermal', ))(dict(thermal_path=str(p)))


def test_size_mismatch_between_modalities(face_files, tmp_path):
    _, paths = face_files
    p = tmp_path / 'small.png'
    cv2.imwrite(str(p), np.full((24, 24), 3000, np.uint16))
    with pytest.raises(ValueError, match='differ in size'):
        LoadFaceModalities(('rgb', 'thermal'))(
            dict(img_path=paths['img_path'], thermal_path=str(p)))


def test_gray_is_read_from_the_rgb_file(face_files):
    out, paths = face_files
    res = LoadFaceModalities(('gray', 'depth'))(dict(paths))
    assert res['img'].shape == (48, 48, 2)
    assert res['channel_names'] == ('Y', 'D')  # from the modality table
    rgb = LoadFaceModalities()(dict(paths))['img']
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(int)
    assert np.abs(res['img'][..., 0].astype(int) - luma).max() <= 1


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"distinct names from \['rgb'"):
        LoadFaceModalities(('rgb', 'infrared'))
    with pytest.raises(ValueError, match='distinct'):
        LoadFaceModalities(('rgb', 'rgb'))
    with pytest.raises(ValueError, match=r"not \['parsing'\]"):
        LoadFaceModalities(('rgb', 'parsing'))
    with pytest.raises(ValueError, match='depth_as_rgb'):
        LoadFaceModalities(('rgb', ), depth_as_rgb=True)
    assert 'modalities' in repr(LoadFaceModalities())


def test_pack_single_and_multi_input():
    res = dict(img=np.zeros((8, 6, 5), np.uint8), gt_label=2,
               au_occ=[1, 0, -1], subject='S001', domain=1)
    packed = PackFERInputs()(res)
    assert packed['inputs'].shape == (5, 8, 6)
    sample = packed['data_samples']
    assert sample.gt_label.tolist() == [2]
    assert sample.gt_au.tolist() == [1, 0, -1]
    assert sample.subject == 'S001'
    res = dict(imgs=np.zeros((4, 8, 8, 3), np.uint8),
               fbank=np.zeros((1, 16, 8), np.float32), gt_label=0)
    packed = PackFERInputs(input_keys=dict(imgs='video', fbank='audio'))(res)
    assert packed['inputs']['video'].shape == (4, 3, 8, 8)
    assert packed['inputs']['audio'].shape == (1, 16, 8)
    with pytest.raises(KeyError, match='pipeline order'):
        PackFERInputs(input_keys='img')(dict(imgs=None))
