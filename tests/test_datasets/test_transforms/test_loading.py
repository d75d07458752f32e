import cv2
import numpy as np
import pytest

from mmfer.datasets.synthface import (DEPTH_BACKGROUND_MM, SynthFaceRenderer,
                                      encode_depth, encode_thermal,
                                      sample_subject)
from mmfer.datasets.transforms import LoadFaceModalities, PackFERInputs
from mmfer.structures.codecs import decode_depth, depth_to_uint8


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
    # 30.00-30.23 °C: a valid thermal file, only smaller than the RGB one
    cv2.imwrite(str(p), (3000 + np.arange(576).reshape(24, 24) // 24)
                .astype(np.uint16))
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
    assert 'audio_truncated' not in sample  # absent meta keys stay absent
    res = dict(imgs=np.zeros((4, 8, 8, 3), np.uint8),
               fbank=np.zeros((1, 16, 8), np.float32), gt_label=0,
               has_audio=True, audio_truncated=True)  # on_truncated='pad'
    packed = PackFERInputs(input_keys=dict(imgs='video', fbank='audio'))(res)
    assert packed['inputs']['video'].shape == (4, 3, 8, 8)
    assert packed['inputs']['audio'].shape == (1, 16, 8)
    sample = packed['data_samples']
    assert sample.metainfo['has_audio'] is True
    assert sample.metainfo['audio_truncated'] is True
    assert sample.audio_truncated is True
    with pytest.raises(KeyError, match='pipeline order'):
        PackFERInputs(input_keys='img')(dict(imgs=None))


def test_pack_passes_audio_truncated_from_the_fbank_loader(tmp_path):
    """A half wav read with on_truncated='pad' is visible to the model."""
    import soundfile as sf

    from mmfer.datasets.transforms import LoadAudioFbank
    sr = 16000
    full = tmp_path / 'full.wav'
    sf.write(str(full), np.sin(np.arange(sr) * 0.3) * 0.2, sr,
             subtype='PCM_16')
    data = full.read_bytes()
    cut = tmp_path / 'half.wav'
    cut.write_bytes(data[:data.index(b'data') + 8 + 2 * 8000])  # 8000 frames
    load = LoadAudioFbank(target_length=64, on_truncated='pad')
    pack = PackFERInputs(input_keys=dict(fbank='audio'))
    with pytest.warns(UserWarning, match='half.wav is truncated'):
        sample = pack(load(dict(audio_path=str(cut))))['data_samples']
    assert sample.metainfo['audio_path'] == str(cut)
    assert sample.has_audio is True and sample.audio_truncated is True
    sample = pack(load(dict(audio_path=str(full))))['data_samples']
    assert sample.has_audio is True and sample.audio_truncated is False


# ---- thermal / depth files in other units (issue 13, item 5) --------------
def _face_temperature(size=32, seed=0):
    """(size, size) °C: 24 °C room around a 33-37 °C face."""
    temp = np.full((size, size), 24.0)
    lo, hi = size // 4, 3 * size // 4
    temp[lo:hi, lo:hi] = 35 + np.random.default_rng(seed).uniform(
        -2, 2, (hi - lo, hi - lo))
    return temp


def _write(tmp_path, name, raw):
    path = tmp_path / name
    assert cv2.imwrite(str(path), raw)
    return str(path)


def _raw_stats(raw):
    return (f'raw uint16 min {raw.min()}, median {int(np.median(raw))}, '
            f'max {raw.max()}')


@pytest.mark.parametrize('units, to_raw, hint', [
    ('whole_celsius', lambda t: np.rint(t), 'whole °C'),
    ('centi_kelvin', lambda t: np.rint((t + 273.15) * 100),
     'centi-Kelvin (K * 100)'),
    ('raw_counts', lambda t: np.rint(7000 + 60 * t), None)])
def test_thermal_in_other_units_names_file_range_and_fix(
        tmp_path, units, to_raw, hint):
    raw = to_raw(_face_temperature()).astype(np.uint16)
    path = _write(tmp_path, f'{units}.png', raw)
    with pytest.raises(ValueError) as info:
        LoadFaceModalities(('thermal', ))(dict(thermal_path=path))
    msg = str(info.value)
    assert msg.startswith(f'{path}: the thermal channel decodes to the '
                          'constant ')
    assert ('100% of the pixels lie outside thermal_range=(20.0, 40.0) °C '
            f'({_raw_stats(raw)}, i.e. {raw.min() / 100:.2f} to '
            f'{raw.max() / 100:.2f} °C read as centi-°C)') in msg
    assert 'uint16 centi-degrees Celsius (code = round(°C * 100)' in msg
    assert 'tools/dataset_converters/bp4dplus_thermal.py' in msg
    assert 'LoadFaceModalities(thermal_range=...)' in msg
    if hint:
        # the median pixel is the 24 °C room
        assert (f'look like {hint}: the median raw {int(np.median(raw))} is '
                '24.00 °C in those units') in msg
    else:
        assert 'look like' not in msg


def test_thermal_mostly_outside_a_narrow_window(tmp_path):
    temp = _face_temperature()  # 75% room (24 °C), 25% face
    raw = np.rint(temp * 100).astype(np.uint16)
    path = _write(tmp_path, 'narrow.png', raw)
    with pytest.raises(ValueError, match=r'narrow.png: the thermal channel '
                       r'would be mostly saturated: 75% of the pixels lie '
                       r'outside thermal_range=\(33, 37\) °C'):
        LoadFaceModalities(('thermal', ), thermal_range=(33, 37))(
            dict(thermal_path=path))
    # the documented opt-out keeps the window
    res = LoadFaceModalities(('thermal', ), thermal_range=(33, 37),
                             thermal_max_clipped_fraction=1.0)(
                                 dict(thermal_path=path))
    expect = np.clip((raw / 100.0 - 33) / 4, 0, 1) * 255
    np.testing.assert_array_equal(res['img'][..., 0],
                                  expect.round().astype(np.uint8))


def test_thermal_with_a_few_outliers_loads_as_before(tmp_path):
    temp = _face_temperature()
    temp[:3] = 45.0  # a hot lamp: 9% of the rows
    temp[-2:] = 12.0  # a cold window
    raw = np.rint(temp * 100).astype(np.uint16)
    path = _write(tmp_path, 'outliers.png', raw)
    res = LoadFaceModalities(('thermal', ))(dict(thermal_path=path))
    # the formula of the loader before the check: round(255 * clip(...))
    expect = (np.clip((raw.astype(np.float32) / 100 - 20) / 20, 0, 1) *
              255).round().astype(np.uint8)
    np.testing.assert_array_equal(res['img'][..., 0], expect)
    assert res['img'].shape == (32, 32, 1)


def test_constant_thermal_file_is_refused(tmp_path):
    path = _write(tmp_path, 'blank.png', np.full((16, 16), 3000, np.uint16))
    with pytest.raises(ValueError, match=r'blank.png: the thermal channel '
                       r'decodes to the constant 128: 0% .*raw uint16 min '
                       r'3000, median 3000, max 3000.*remove the sample if '
                       'the frame is blank') as info:
        LoadFaceModalities(('thermal', ))(dict(thermal_path=path))
    assert 'look like' not in str(info.value)  # centi-°C is plausible


@pytest.mark.parametrize('codec, raw, constant', [
    ('mmfer', np.zeros((16, 16), np.uint16), 0),  # blank: no return
    ('mmfer', np.full((16, 16), 60000, np.uint16), 0),  # µm: all far
    ('uint16_mm', np.zeros((16, 16), np.uint16), 0)])
def test_depth_that_decodes_to_a_constant_is_refused(tmp_path, codec, raw,
                                                     constant):
    path = _write(tmp_path, f'depth_{codec}.png', raw)
    with pytest.raises(ValueError) as info:
        LoadFaceModalities(('depth', ), depth_codec=codec)(
            dict(depth_path=path))
    msg = str(info.value)
    assert msg.startswith(f'{path}: the ')
    assert (f'depth channel decodes to the constant {constant} '
            f'({_raw_stats(raw)})') in msg
    assert f"depth_codec='{codec}' reads uint16" in msg
    assert 'remove the sample if the frame is blank' in msg.lower()
    if codec == 'mmfer':
        assert 'far plane 1500 mm = 15000' in msg
        assert 'bp4d_depth_from_mesh.py' in msg


def test_good_depth_loads_as_before(face_files):
    out, paths = face_files
    res = LoadFaceModalities(('depth', ))(dict(paths))
    raw = cv2.imread(paths['depth_path'], cv2.IMREAD_UNCHANGED)
    depth_mm = decode_depth(raw)
    depth_mm[np.isnan(depth_mm)] = DEPTH_BACKGROUND_MM
    np.testing.assert_array_equal(res['img'][..., 0],
                                  depth_to_uint8(depth_mm))


def test_thermal_arguments_are_checked():
    with pytest.raises(ValueError, match=r'thermal_range must be \(low, '
                       r'high\) °C with low < high, got \(40, 20\)'):
        LoadFaceModalities(('thermal', ), thermal_range=(40, 20))
    with pytest.raises(ValueError, match=r'thermal_max_clipped_fraction '
                       r'must be in \[0, 1\], got 1.5'):
        LoadFaceModalities(('thermal', ), thermal_max_clipped_fraction=1.5)
    assert 'thermal_max_clipped_fraction=0.5' in repr(LoadFaceModalities())
