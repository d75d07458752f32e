"""DetectFace / AlignFace (CM-CNN Sec. III-B, Eq. 1): keys, no-face and
no-eye policies, one matrix for every modality, roll recovery on SynthFace
renders, a real photograph, and the CM-CNN pipeline end to end."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose

from mmfer.datasets.face import (HAAR_VIDEO_FRAMES, FaceNotFoundError,
                                 HaarFaceDetector, MTCNNFaceDetector,
                                 eye_angle, transform_points, warp)
from mmfer.datasets.synthface import (LANDMARK_NAMES, SynthFaceRenderer,
                                      sample_subject)
from mmfer.datasets.transforms import AlignFace, DetectFace, lbp_codes
from mmfer.datasets.transforms import face as face_module
from mmfer.registry import TRANSFORMS
from mmfer.structures.codecs import depth_to_uint8, encode_depth

cbook = pytest.importorskip('matplotlib.cbook')

GRACE = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))
PUPILS = [LANDMARK_NAMES.index('left_eye_pupil'),
          LANDMARK_NAMES.index('right_eye_pupil')]
KEYS = ('face_box', 'face_score', 'face_landmarks', 'face_eyes',
        'face_found')


@pytest.fixture(scope='module')
def mtcnn():
    # MTCNN's small convolutions on a loaded 2-core machine: 2 torch threads
    # (tests/conftest.py) were 15x slower than 1 when measured
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield MTCNNFaceDetector(device='cpu')
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def grace():
    return cv2.cvtColor(cv2.imread(GRACE), cv2.COLOR_BGR2RGB)


def _rgb_sample(rgb, path='blank.png', depth=None):
    img, mods = rgb, ('rgb', )
    if depth is not None:
        img, mods = np.concatenate([rgb, depth[..., None]], 2), ('rgb',
                                                                  'depth')
    return dict(img=img, modalities=mods, img_path=path)


def test_detect_face_keys_and_repr_on_a_photo(grace):
    t = TRANSFORMS.build(dict(type='DetectFace'))
    out = t(_rgb_sample(grace, GRACE))
    assert all(k in out for k in KEYS) and out['face_found'] is True
    box = out['face_box']
    assert box.shape == (4, ) and box.dtype == np.float32
    np.testing.assert_allclose(box, (155, 105, 377, 327), atol=12)  # Haar
    assert out['face_eyes'].shape == (2, 2)
    assert out['face_landmarks'].shape == (5, 2)
    assert np.isnan(out['face_landmarks'][2:]).all()   # Haar: eyes only
    assert out['face_score'] >= 5                      # merged windows
    assert repr(t).startswith('DetectFace(detector=HaarFaceDetector(')
    assert repr(t).endswith("margin=0.0, on_missing='error', "
                            "fallback_box=None, source='rgb', "
                            'use_dataset_box=False, cache=False)')
    # a built detector, the gray channel and a margin
    gray = cv2.cvtColor(grace, cv2.COLOR_RGB2GRAY)[..., None]
    t2 = DetectFace(HaarFaceDetector(find_eyes=False), margin=0.1,
                    source='gray')
    out2 = t2(dict(img=gray, modalities=('gray', ), img_path=GRACE))
    side = box[2] - box[0]
    np.testing.assert_allclose(out2['face_box'],
                               box + np.array([-1, -1, 1, 1]) * 0.1 * side,
                               atol=0.01)
    assert out2['face_eyes'] is None and out2['face_landmarks'] is None


def test_detect_face_cache_detects_each_image_once(grace, monkeypatch):
    t = DetectFace(HaarFaceDetector(find_eyes=False), cache=True)
    calls = []
    detect = t.detector.detect_largest
    monkeypatch.setattr(t.detector, 'detect_largest',
                        lambda *a, **k: calls.append(1) or detect(*a, **k))
    first = t(_rgb_sample(grace, GRACE))
    again = t(_rgb_sample(grace, GRACE))
    assert len(calls) == 1
    np.testing.assert_array_equal(first['face_box'], again['face_box'])
    again['face_box'][0] = -1            # the cached copy is not aliased
    assert t(_rgb_sample(grace, GRACE))['face_box'][0] != -1
    # another file (or size) is detected anew; a skipped image stays skipped
    t(_rgb_sample(grace, 'other.jpg'))
    assert len(calls) == 2
    blank = DetectFace(HaarFaceDetector(find_eyes=False), on_missing='skip',
                       cache=True)
    sample = dict(img=np.zeros((64, 64, 3), np.uint8), modalities=('rgb', ),
                  img_path='blank.png')
    assert blank(dict(sample)) is None and blank(dict(sample)) is None
    assert blank.num_skipped == 2


def test_detect_face_takes_the_annotation_box():
    t = DetectFace(use_dataset_box=True, margin=0.5)
    out = t(dict(img=np.zeros((64, 64, 3), np.uint8), modalities=('rgb', ),
                 img_path='a.jpg', face_box=[10, 10, 30, 40]))
    np.testing.assert_allclose(out['face_box'], [-5, -5, 45, 55])
    assert out['face_found'] and out['face_eyes'] is None
    with pytest.raises(ValueError, match=r'a\.jpg.*x1 > x0'):
        t(dict(img=np.zeros((8, 8, 3), np.uint8), modalities=('rgb', ),
               img_path='a.jpg', face_box=[10, 10, 5, 40]))


def test_detect_face_policies_on_a_blank_image(monkeypatch):
    blank = np.full((96, 128, 3), 128, np.uint8)
    det = HaarFaceDetector(find_eyes=False)
    with pytest.raises(FaceNotFoundError) as err:
        DetectFace(det)(_rgb_sample(blank, 'clips/017/blank.png'))
    msg = str(err.value)
    assert 'clips/017/blank.png' in msg
    assert "on_missing='skip'" in msg and "on_missing='fallback'" in msg
    # skip: None, counted, logged with the running count
    logs = []
    monkeypatch.setattr(face_module, 'print_log',
                        lambda msg, **kw: logs.append(msg))
    skip = DetectFace(det, on_missing='skip')
    assert skip(_rgb_sample(blank, 'a.png')) is None
    assert skip(_rgb_sample(blank, 'b.png')) is None
    assert skip.num_skipped == 2
    assert logs == ['DetectFace: no face in a.png (1 skipped so far)',
                    'DetectFace: no face in b.png (2 skipped so far)']
    # fallback: the centre box (or the given one), flagged
    out = DetectFace(det, on_missing='fallback')(_rgb_sample(blank))
    assert out['face_found'] is False and np.isnan(out['face_score'])
    assert out['face_box'].tolist() == [40, 24, 88, 72]   # side 96 // 2
    assert out['face_eyes'] is None and out['face_landmarks'] is None
    fixed = DetectFace(det, on_missing='fallback',
                       fallback_box=(1, 2, 30, 40))(_rgb_sample(blank))
    assert fixed['face_box'].tolist() == [1, 2, 30, 40]
    with pytest.raises(ValueError, match='on_missing must be one of'):
        DetectFace(det, on_missing='ignore')
    with pytest.raises(ValueError, match="load 'rgb' or set source="):
        DetectFace(det)(dict(img=blank[..., :1], modalities=('gray', )))
    with pytest.raises(ValueError, match='should have 4 channels'):
        DetectFace(det)(dict(img=blank, modalities=('rgb', 'depth')))


def _dots(size=100):
    """rgb / depth / parsing with one dot at (62, 41) and a background."""
    rgb = np.zeros((size, size, 3), np.uint8)
    cv2.circle(rgb, (62, 41), 2, (255, 255, 255), -1)
    depth = np.zeros((size, size), np.uint8)
    depth[20:80, 20:80] = 100 + (np.arange(60) // 6).astype(np.uint8)
    cv2.circle(depth, (62, 41), 2, 255, -1)
    seg = np.zeros((size, size), np.uint8)
    seg[20:80, 20:80] = 1
    cv2.circle(seg, (62, 41), 2, 7, -1)
    return rgb, depth, seg


def test_align_face_one_matrix_nearest_maps_and_keys():
    rgb, depth, seg = _dots()
    res = dict(_rgb_sample(rgb, 'x.png', depth), gt_seg_map=seg,
               face_box=np.array([-10, 15, 90, 85], np.float32),
               face_eyes=np.array([[30.0, 40.0], [70.0, 52.0]]))
    t = TRANSFORMS.build(dict(type='AlignFace', size=64, margin=0.1))
    out = t(res)
    assert out['img'].shape == (64, 64, 4) and out['img_shape'] == (64, 64)
    assert out['gt_seg_map'].shape == (64, 64)
    theta = np.degrees(np.arctan2(12, 40))
    assert out['face_angle'] == pytest.approx(theta)
    assert out['face_rotated'] is True
    M = out['face_matrix']
    assert M.shape == (2, 3)
    # the dot lands where the matrix maps it, in every modality
    u, v = transform_points(np.array([62.5, 41.5]), M)
    for chan in (out['img'][..., 0], out['img'][..., 3] == 255,
                 out['gt_seg_map'] == 7):
        ys, xs = np.nonzero(chan > 127 if chan.dtype == np.uint8 else chan)
        assert abs(xs.mean() + 0.5 - u) < 1 and abs(ys.mean() + 0.5 - v) < 1
    # nearest: no new depth / class values, background outside the image
    assert np.isin(out['img'][..., 3], depth).all()
    assert np.isin(out['gt_seg_map'], seg).all()
    assert out['img'][0, 0, 3] == 0 and out['gt_seg_map'][0, 0] == 0
    # AlignFace warps only the region it samples: same as the whole image
    np.testing.assert_array_equal(out['img'][..., 3],
                                  warp(depth, M, 64, 'depth'))
    assert np.abs(out['img'][..., :3].astype(int) -
                  warp(rgb, M, 64, 'rgb')).max() <= 1
    # the eyes end up level
    le, re = transform_points(res['face_eyes'], M)
    assert le[1] == pytest.approx(re[1])
    assert repr(t) == ("AlignFace(size=64, margin=0.1, rotate=True, "
                       "on_missing_eyes='error')")


def test_align_face_missing_eyes_policies(monkeypatch):
    rgb, depth, _ = _dots()

    def res():
        return dict(_rgb_sample(rgb, 'subj/f1.png', depth), face_eyes=None,
                    face_box=np.array([20, 20, 80, 80], np.float32),
                    face_found=False)
    with pytest.raises(ValueError) as err:
        AlignFace(size=32)(res())
    assert 'subj/f1.png' in str(err.value)
    assert "on_missing_eyes='no_rotation'" in str(err.value)
    logs = []
    monkeypatch.setattr(face_module, 'print_log',
                        lambda msg, **kw: logs.append(msg))
    skip = AlignFace(size=32, on_missing_eyes='skip')
    assert skip(res()) is None and skip.num_skipped == 1
    assert logs == ['AlignFace: no eyes in subj/f1.png (1 skipped so far)']
    flat = AlignFace(size=32, margin=0, on_missing_eyes='no_rotation')
    out = flat(res())
    assert out['face_rotated'] is False and out['face_angle'] == 0
    assert flat.num_unrotated == 1 and logs[-1] == (
        'AlignFace: no eyes in subj/f1.png, axis-aligned crop (1 so far)')
    # the axis-aligned crop: the box corners go to the output corners
    np.testing.assert_allclose(
        transform_points(np.array([[20, 20], [80, 80]]),
                         out['face_matrix']), [[0, 0], [32, 32]], atol=1e-9)
    with pytest.raises(KeyError, match='DetectFace before it'):
        AlignFace()(dict(img=rgb, modalities=('rgb', )))
    with pytest.raises(ValueError, match='on_missing_eyes must be'):
        AlignFace(on_missing_eyes='guess')


def _render_rolls(n=20, size=128):
    rolls = [(-15, -10, -5, 5, 10, 15)[i % 6] for i in range(n)]
    renderer = SynthFaceRenderer(size)
    for i, roll in enumerate(rolls):
        out = renderer.render(sample_subject(0, i), None, 'clean', i,
                              view_overrides=dict(roll=float(roll)))
        img = np.concatenate(
            [out['rgb'], depth_to_uint8(out['depth'])[..., None]], 2)
        yield roll, out, dict(img=img, modalities=('rgb', 'depth'),
                              img_path=f'synthface/{i}_roll{roll}.png')


def _run(detector, renders):
    """DetectFace + AlignFace (both 'skip'); per-render θ errors."""
    detect = DetectFace(detector, on_missing='skip')
    align = AlignFace(size=148, margin=0.1, on_missing_eyes='skip')
    errors = []
    before = dict(detector.counts)
    for roll, _, sample in renders:
        res = detect(dict(sample))          # transforms write into results
        res = None if res is None else align(res)
        if res is not None:
            errors.append(res['face_angle'] - roll)
    # the detector's own counts agree with the transform's
    found = detector.counts['found'] - before['found']
    assert detector.counts['skipped'] - before['skipped'] == \
        detect.num_skipped == len(renders) - found
    return detect.num_skipped, align.num_skipped, np.array(errors)


def test_rotation_recovery_and_detector_failure_rates(mtcnn):
    """θ of Eq. (1) from MTCNN's eyes recovers the roll of 20 renders
    within 3.5 degrees (the render's own pupil line is the truth); Haar's
    face and eye failure rates are measured and printed, not asserted."""
    renders = list(_render_rolls())
    for roll, out, _ in renders:           # SynthFace's sign = Eq. (1)'s
        assert eye_angle(*out['landmarks'][PUPILS]) == pytest.approx(
            roll, abs=0.5)
    n = len(renders)
    rates = {}
    for name, det in (('MTCNN', mtcnn), ('Haar', HaarFaceDetector())):
        no_face, no_eyes, err = _run(det, renders)
        assert no_face + no_eyes + len(err) == n        # consistent counts
        rates[name] = (no_face / n, no_eyes / max(n - no_face, 1),
                       np.abs(err).max() if len(err) else np.nan)
        print(f'{name}: no face {no_face}/{n}, no eyes {no_eyes}/'
              f'{n - no_face}, max |θ error| {rates[name][2]:.2f} deg')
        if name == 'MTCNN':
            assert no_face == 0 and no_eyes == 0
            assert np.abs(err).max() < 3.5


def test_grace_hopper_haar_align_148(grace):
    res = DetectFace()(_rgb_sample(grace, GRACE))
    out = AlignFace(size=148, margin=0.1, on_missing_eyes='error')(res)
    assert out['img'].shape == (148, 148, 3)
    assert out['face_rotated'] is True and abs(out['face_angle']) < 5
    full = warp(grace, out['face_matrix'], 148, 'rgb')
    assert np.abs(out['img'].astype(int) - full).max() <= 1
    # the face fills the crop: not the photo's dark background
    assert out['img'][40:110, 40:110].mean() > 80


def test_haar_video_preset_maps_boxes_back(grace):
    """detect_width: the face cascade runs on a 320 px copy of a 640 x 480
    frame; the box comes back in frame pixels (near the full-size one)."""
    small = cv2.resize(grace, (410, 480), interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[:, 115:525] = small
    full = HaarFaceDetector(find_eyes=False).detect(frame)
    fast = HaarFaceDetector(**HAAR_VIDEO_FRAMES).detect(frame)
    assert len(full) == len(fast) == 1
    np.testing.assert_allclose(fast.boxes[0], full.boxes[0], atol=15)
    out = AlignFace(on_missing_eyes='no_rotation')(DetectFace(
        dict(type='HaarFaceDetector', **HAAR_VIDEO_FRAMES))(
            _rgb_sample(frame, 'frame.png')))
    assert out['img'].shape == (148, 148, 3) and abs(out['face_angle']) < 5
    assert 'detect_width=320' in repr(HaarFaceDetector(**HAAR_VIDEO_FRAMES))
    with pytest.raises(ValueError, match='upscale_to'):
        HaarFaceDetector(detect_width=320, upscale_to=240)


def test_cm_cnn_pipeline_end_to_end(tmp_path, grace):
    """The CM-CNN config's pipeline on a real photo with a pixel-aligned
    depth map (a synthetic dome: the photo has none)."""
    h, w = grace.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    r2 = ((xx - 265) / 120.0)**2 + ((yy - 220) / 150.0)**2
    depth_mm = np.where(r2 < 1, 600 - 40 * np.sqrt(1 - np.minimum(r2, 1)),
                        1500).astype(np.float32)
    depth_path = osp.join(tmp_path, 'depth.png')
    cv2.imwrite(depth_path, encode_depth(depth_mm))
    pipeline = Compose([
        dict(type='LoadFaceModalities', modalities=('rgb', 'depth')),
        dict(type='DetectFace', detector=dict(type='HaarFaceDetector'),
             on_missing='error'),
        dict(type='AlignFace', size=148, margin=0.1, rotate=True,
             on_missing_eyes='no_rotation'),
        dict(type='ConvertToGray'),
        dict(type='ComputeTexture', kind='lbp'),
        dict(type='SelectModalities', modalities=('gray', 'lbp', 'depth')),
        dict(type='PackFERInputs')
    ])
    out = pipeline(dict(img_path=GRACE, depth_path=depth_path, gt_label=0))
    x = out['inputs']
    assert tuple(x.shape) == (3, 148, 148) and str(x.dtype) == 'torch.uint8'
    meta = out['data_samples'].metainfo
    assert meta['modalities'] == ('gray', 'lbp', 'depth')
    assert meta['channel_names'] == ('Y', 'L', 'D')
    assert meta['img_shape'] == (148, 148)
    gray, lbp, depth = x.numpy()
    np.testing.assert_array_equal(lbp, lbp_codes(gray))   # from aligned gray
    loaded = depth_to_uint8(depth_mm)
    assert np.isin(depth, loaded).all()                    # nearest only
    assert (depth > 0).mean() > 0.5                        # the dome
