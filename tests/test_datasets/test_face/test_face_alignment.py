"""Alignment (CM-CNN Eq. 1): angle recovery on rolled SynthFace renders,
one matrix for every modality, nearest resampling of depth / parsing."""
import cv2
import numpy as np
import pytest

from mmfer.datasets.face import (FaceAligner, FaceDetections,
                                 MTCNNFaceDetector, alignment_matrix,
                                 crop_resize, eye_angle, square_box,
                                 transform_points, warp)
from mmfer.datasets.synthface import (LANDMARK_NAMES, SynthFaceRenderer,
                                      sample_subject)
from mmfer.structures.codecs import DEPTH_BACKGROUND_CODE, encode_depth

L = {n: i for i, n in enumerate(LANDMARK_NAMES)}
PUPILS = [L['left_eye_pupil'], L['right_eye_pupil']]


@pytest.fixture(scope='module')
def renderer():
    return SynthFaceRenderer(128)


@pytest.fixture(scope='module')
def mtcnn():
    return MTCNNFaceDetector(device='cpu')


def _render(renderer, roll, subject=0):
    return renderer.render(
        sample_subject(0, subject), None, 'lab', 0, noise=False,
        view_overrides=dict(roll=float(roll), yaw=0.0, pitch=0.0),
        modalities=('rgb', 'depth', 'parsing'))


def test_eye_angle_and_matrix_geometry():
    assert eye_angle((0, 0), (10, 0)) == 0
    assert eye_angle((0, 0), (10, 10)) == pytest.approx(45)   # right lower
    assert eye_angle((0, 10), (10, 0)) == pytest.approx(-45)
    # no rotation: the square box's corners go to the output corners
    box = (10, 20, 30, 60)
    M, theta = alignment_matrix(box, None, size=30, margin=0.25)
    sq = np.array(square_box(box, 0.25)).reshape(2, 2)        # 60 px side
    np.testing.assert_allclose(transform_points(sq, M), [[0, 0], [30, 30]])
    assert theta == 0
    # rotation about the eye midpoint levels the eyes, keeps their spacing
    eyes = np.array([[40.0, 50.0], [60.0, 60.0]])
    M, theta = alignment_matrix((30, 30, 70, 90), eyes, size=60)
    assert theta == pytest.approx(np.degrees(np.arctan2(10, 20)))
    out = transform_points(eyes, M)
    assert out[0, 1] == pytest.approx(out[1, 1])              # level
    k = 60 / 60.0                                             # size / side
    assert out[1, 0] - out[0, 0] == pytest.approx(k * np.hypot(20, 10))
    # NaN eyes (a Haar miss): no rotation
    _, theta = alignment_matrix((30, 30, 70, 90), np.full((2, 2), np.nan))
    assert theta == 0


@pytest.mark.parametrize('roll', [-15, -7, 7, 15])
def test_recovers_synthface_roll(renderer, mtcnn, roll):
    """MTCNN eyes on a render rolled by ``roll``: θ within 3.5 degrees; the
    true pupils are level after alignment."""
    out = _render(renderer, roll, subject=roll > 0)
    pupils = out['landmarks'][PUPILS]
    assert eye_angle(*pupils) == pytest.approx(roll, abs=0.5)  # the truth
    face = mtcnn.detect_largest(out['rgb'])
    aligned = FaceAligner(size=64, margin=0.1)(
        dict(rgb=out['rgb'], depth=out['depth'], parsing=out['parsing']),
        face)
    assert aligned.angle == pytest.approx(roll, abs=3.5)
    assert abs(eye_angle(*aligned.map_points(pupils))) < 3.5
    assert {k: v.shape for k, v in aligned.images.items()} == dict(
        rgb=(64, 64, 3), depth=(64, 64), parsing=(64, 64))
    # with the true pupils as eyes the rotation is removed exactly
    exact = FaceAligner(size=64)(dict(rgb=out['rgb']), face.boxes[0], pupils)
    assert abs(eye_angle(*exact.map_points(pupils))) < 1e-6


def test_nearest_keeps_input_values_and_background_border(renderer):
    out = _render(renderer, 12)
    depth_u16 = encode_depth(out['depth'])            # 65535 = background
    parsing = out['parsing']
    # a box reaching past the image corner: the border is outside the image
    face = FaceDetections([[-20, -20, 90, 90]], [1.0],
                          np.concatenate([out['landmarks'][PUPILS],
                                          np.full((3, 2), np.nan)])[None])
    res = FaceAligner(size=48, margin=0.2)(
        dict(depth=depth_u16, parsing=parsing), face)
    assert abs(res.angle) > 5
    for key, src in (('depth', depth_u16), ('parsing', parsing)):
        vals = np.unique(res.images[key])
        assert np.isin(vals, np.unique(src)).all(), key   # nothing invented
        assert res.images[key].dtype == src.dtype
    assert res.images['depth'][0, 0] == DEPTH_BACKGROUND_CODE   # border
    assert res.images['parsing'][0, 0] == 0                     # background
    # float depth in mm: border is the 1500 mm background, values kept
    mm = warp(out['depth'], res.matrix, 48, 'depth')
    assert mm[0, 0] == 1500.0
    assert np.isin(np.unique(mm), np.unique(out['depth'])).all()
    # bilinear resampling does mix values (so the checks above can fail)
    mixed = warp(parsing, res.matrix, 48, 'gray')
    assert not np.isin(np.unique(mixed), np.unique(parsing)).all()


def test_one_matrix_for_all_modalities_and_points():
    """A dot drawn at the same pixel in two modalities lands where the
    matrix maps it, in both."""
    img = np.zeros((100, 100), np.uint8)
    cv2.circle(img, (62, 41), 2, 255, -1)
    eyes = np.array([[30.0, 40.0], [70.0, 52.0]])
    face = FaceDetections([[20, 20, 80, 80]], [1.0],
                          np.concatenate([eyes, np.zeros((3, 2))])[None])
    res = FaceAligner(size=80, margin=0.1)(
        dict(gray=img, parsing=(img > 0).astype(np.uint8)), face)
    u, v = res.map_points(np.array([62.5, 41.5]))         # pixel centre
    for key in ('gray', 'parsing'):
        ys, xs = np.nonzero(res.images[key])
        assert abs(xs.mean() + 0.5 - u) < 1 and abs(ys.mean() + 0.5 - v) < 1


def test_no_rotation_matches_crop_resize():
    """rotate=False is the tools' axis-aligned square crop (bilinear up-
    scaling, same pixel-centre convention)."""
    rng = np.random.default_rng(0)
    img = cv2.GaussianBlur(rng.integers(0, 255, (60, 60, 3), np.uint8),
                           (5, 5), 2)
    box = (12, 10, 36, 34)                                  # 24 px, inside
    res = FaceAligner(size=48, margin=0, rotate=False)(dict(rgb=img), box)
    ref = crop_resize(img, box, 48, 'rgb')
    # interior pixels (the border row/column clamps differently)
    diff = np.abs(res.images['rgb'][1:-1, 1:-1].astype(int) -
                  ref[1:-1, 1:-1].astype(int))
    assert diff.max() <= 1


def test_aligner_errors():
    al = FaceAligner(size=16)
    two = FaceDetections([[0, 0, 4, 4], [0, 0, 8, 8]], [1, 1])
    with pytest.raises(ValueError, match='largest'):
        al(dict(rgb=np.zeros((8, 8, 3), np.uint8)), two)
    with pytest.raises(ValueError, match='one size'):
        al(dict(rgb=np.zeros((8, 8, 3), np.uint8),
                depth=np.zeros((9, 9), np.uint16)), (0, 0, 4, 4))
    with pytest.raises(ValueError, match='Unknown modality'):
        al(dict(infrared=np.zeros((8, 8), np.uint8)), (0, 0, 4, 4))
    with pytest.raises(ValueError, match='margin'):
        FaceAligner(margin=-0.1)
    assert repr(al) == 'FaceAligner(size=16, margin=0.1, rotate=True)'
