"""Segment sampling, frame loading and clip-consistent augmentation."""
import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose

from mmfer.datasets.transforms import (FormatClip, LoadFrames,
                                       SampleSegmentFrames, list_frames,
                                       segment_indices)
from mmfer.utils import register_all_modules

register_all_modules()


def _official_test_indices(n, t):
    """MMA-DFER's ``_get_test_indices`` (duration 1)."""
    if n > t:
        tick = n / float(t)
        return np.array([int(tick / 2.0 + tick * x) for x in range(t)])
    return np.pad(np.arange(n), (0, t - n), 'edge')


@pytest.mark.parametrize('n', [1, 5, 15, 16, 17, 31, 50, 64, 199])
def test_test_mode_indices_match_official_midpoints(n):
    np.testing.assert_array_equal(
        segment_indices(n, 16, test_mode=True), _official_test_indices(n, 16))


def test_train_indices_one_random_frame_per_segment():
    n, t = 50, 16
    seg = n // t  # 3
    rng = np.random.default_rng(0)
    draws = np.stack(
        [segment_indices(n, t, test_mode=False, rng=rng) for _ in range(300)])
    starts = np.arange(t) * seg
    assert ((draws >= starts) & (draws < starts + seg)).all()
    # every offset of each segment is drawn (uniform within the segment)
    assert {int(v) for v in np.unique(draws - starts)} == {0, 1, 2}
    assert (np.diff(draws, axis=1) > 0).all()  # temporal order kept


def test_short_clips_repeat_the_edge_frame():
    for test_mode in (True, False):
        np.testing.assert_array_equal(
            segment_indices(5, 8, test_mode), [0, 1, 2, 3, 4, 4, 4, 4])
        np.testing.assert_array_equal(
            segment_indices(8, 8, test_mode), np.arange(8))


def test_two_clip_mode_samples_two_uniform_interleaved_clips():
    inds = segment_indices(64, 16, test_mode=True, num_clips=2)
    assert inds.shape == (32, )
    np.testing.assert_array_equal(inds[:16], np.arange(16) * 4 + 1)
    np.testing.assert_array_equal(inds[16:], np.arange(16) * 4 + 3)
    t = SampleSegmentFrames(clip_len=16, num_clips=2, test_mode=True)
    out = t(dict(total_frames=64))
    assert out['num_clips'] == 2 and out['clip_len'] == 16
    np.testing.assert_array_equal(out['frame_inds'], inds)
    assert 'num_clips=2' in repr(t)
    with pytest.raises(ValueError, match='clip_len'):
        SampleSegmentFrames(clip_len=0)
    with pytest.raises(KeyError, match='total_frames'):
        t(dict())


def _write_clip(folder, n, names='unpadded', size=(12, 16), step=10):
    folder.mkdir(parents=True)
    for i in range(n):
        name = f'{i}.png' if names == 'unpadded' else f'{i + 1:05d}.png'
        img = np.full((*size, 3), i * step, np.uint8)
        cv2.imwrite(str(folder / name), img)
    return str(folder)


def test_load_frames_natural_order_unpadded_and_padded(tmp_path):
    for names in ('unpadded', 'padded'):
        d = _write_clip(tmp_path / names, 12, names)
        out = LoadFrames()(dict(frame_dir=d, frame_inds=np.array([0, 2, 10,
                                                                  11])))
        assert [int(img[0, 0, 0]) for img in out['imgs']] == [0, 20, 100, 110]
        assert out['img_shape'] == (12, 16) and out['modality'] == 'RGB'
        assert out['num_frames'] == 12
    # the official glob+sort order puts 10.png, 11.png before 2.png
    lex = list_frames(str(tmp_path / 'unpadded'), 'lexicographic')
    assert lex[:4] == ['0.png', '1.png', '10.png', '11.png']
    out = LoadFrames('lexicographic')(
        dict(frame_dir=str(tmp_path / 'unpadded'), frame_inds=[2]))
    assert int(out['imgs'][0][0, 0, 0]) == 100


def test_load_frames_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        LoadFrames()(dict(frame_dir=str(tmp_path / 'nowhere'), frame_inds=[0]))
    d = _write_clip(tmp_path / 'c', 3)
    with pytest.raises(IndexError, match='holds 3 frames'):
        LoadFrames()(dict(frame_dir=d, frame_inds=[0, 5]))
    (tmp_path / 'c' / '1.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='1.png'):
        LoadFrames()(dict(frame_dir=d, frame_inds=[1]))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no frames'):
        LoadFrames()(dict(frame_dir=str(tmp_path / 'empty'), frame_inds=[0]))
    with pytest.raises(ValueError, match='order'):
        LoadFrames(order='random')


def test_load_frames_resizes_odd_sized_frames_to_the_first(tmp_path):
    d = tmp_path / 'odd'
    _write_clip(d, 2)
    cv2.imwrite(str(d / '2.png'), np.zeros((30, 30, 3), np.uint8))
    out = LoadFrames()(dict(frame_dir=str(d), frame_inds=[0, 2]))
    assert {img.shape for img in out['imgs']} == {(12, 16, 3)}


TRAIN_AUG = [
    dict(type='mmaction.ColorJitter', brightness=0.5, contrast=0.,
         saturation=0., hue=0.),
    dict(type='mmaction.RandomResizedCrop', area_range=(0.08, 1.0),
         aspect_ratio_range=(3 / 4, 4 / 3)),
    dict(type='mmaction.Resize', scale=(24, 24), keep_ratio=False),
    dict(type='mmaction.Flip', flip_ratio=0.5),
    dict(type='FormatClip'),
]


def test_train_augmentation_is_consistent_across_frames():
    rng = np.random.default_rng(0)
    pattern = rng.integers(30, 200, (40, 48, 3), dtype=np.uint8)
    pipe = Compose(TRAIN_AUG)
    outputs, flips = [], []
    for seed in range(12):
        np.random.seed(seed)
        import random
        random.seed(seed)
        out = pipe(dict(imgs=[pattern.copy() for _ in range(8)],
                        img_shape=(40, 48), modality='RGB', clip_len=8,
                        num_clips=1))
        clip = out['imgs']
        assert clip.shape == (8, 24, 24, 3) and clip.dtype == np.uint8
        # identical input frames stay identical: one crop/flip/jitter/clip
        assert (clip == clip[:1]).all()
        outputs.append(clip[0])
        flips.append(out['flip'])
    # ... while different clips get different augmentations
    assert len({o.tobytes() for o in outputs}) == len(outputs)
    assert any(flips) and not all(flips)


def test_full_two_clip_test_pipeline_packs_5d_video(tmp_path):
    d = _write_clip(tmp_path / 'clip', 40, size=(32, 32), step=5)
    pipe = Compose([
        dict(type='SampleSegmentFrames', clip_len=4, num_clips=2,
             test_mode=True),
        dict(type='LoadFrames'),
        dict(type='mmaction.Resize', scale=(16, 16), keep_ratio=False),
        dict(type='FormatClip'),
        dict(type='LoadAudioFbank'),
        dict(type='PackFERInputs', input_keys=dict(imgs='video',
                                                   fbank='audio')),
    ])
    out = pipe(dict(frame_dir=d, total_frames=40, audio_path=None,
                    has_audio=False, gt_label=3, clip_id='00007'))
    video, audio = out['inputs']['video'], out['inputs']['audio']
    assert tuple(video.shape) == (2, 4, 3, 16, 16)
    assert tuple(audio.shape) == (1, 512, 128)
    # clip 0 = frames 2, 12, 22, 32; clip 1 = frames 7, 17, 27, 37
    assert video[0, :, 0, 0, 0].tolist() == [10, 60, 110, 160]
    assert video[1, :, 0, 0, 0].tolist() == [35, 85, 135, 185]
    meta = out['data_samples'].metainfo
    assert meta['num_clips'] == 2 and meta['has_audio'] is False
    assert meta['clip_id'] == '00007'
    assert int(out['data_samples'].gt_label) == 3


def test_format_clip_errors():
    with pytest.raises(ValueError, match='differ in shape'):
        FormatClip()(dict(imgs=[np.zeros((4, 4, 3)), np.zeros((5, 4, 3))]))
    with pytest.raises(ValueError, match='cannot form'):
        FormatClip()(dict(imgs=[np.zeros((4, 4, 3), np.uint8)] * 5,
                          num_clips=2, clip_len=2))
