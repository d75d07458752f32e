"""No-face policies (error / skip / fallback) and the largest-face rule."""
import cv2
import numpy as np
import pytest

from mmfer.datasets.face import (BaseFaceDetector, FaceDetections,
                                 FaceNotFoundError, HaarFaceDetector,
                                 center_box, read_rgb)

cbook = pytest.importorskip('matplotlib.cbook')


@pytest.fixture(scope='module')
def blank_png(tmp_path_factory):
    path = tmp_path_factory.mktemp('face') / 'blank_frame.png'
    cv2.imwrite(str(path), np.full((48, 64, 3), 128, np.uint8))
    return str(path)


@pytest.fixture(scope='module')
def haar():
    return HaarFaceDetector(find_eyes=False)


def test_error_names_the_file_and_the_fix(haar, blank_png):
    with pytest.raises(FaceNotFoundError, match='blank_frame.png') as err:
        haar.detect_largest(blank_png)
    assert "on_missing='skip'" in str(err.value)
    assert "on_missing='fallback'" in str(err.value)
    # arrays are named by the caller's source
    with pytest.raises(FaceNotFoundError, match='clip7/frame3'):
        haar.detect_largest(read_rgb(blank_png), source='clip7/frame3')
    with pytest.raises(FileNotFoundError, match='missing.png'):
        haar.detect_largest(blank_png.replace('blank_frame', 'missing'))


def test_skip_returns_none_and_counts(blank_png):
    det = HaarFaceDetector(find_eyes=False, on_missing='skip')
    assert det.detect_largest(blank_png) is None
    assert det.detect_largest(blank_png) is None
    assert det.counts == dict(found=0, skipped=2, fallback=0)


def test_fallback_boxes(haar, blank_png):
    img = read_rgb(blank_png)
    face = haar.detect_largest(img, on_missing='fallback',
                               fallback_box='center')
    assert face.fallback and len(face) == 1 and np.isnan(face.scores[0])
    assert tuple(face.boxes[0]) == center_box(img.shape) == (20, 12, 44, 36)
    assert np.isnan(face.landmarks).all()
    fixed = HaarFaceDetector(on_missing='fallback',
                             fallback_box=(1, 2, 30, 40))
    assert fixed.detect_largest(img).boxes[0].tolist() == [1, 2, 30, 40]
    call = fixed.detect_largest(img, fallback_box=lambda im: (0, 0, 8, 8))
    assert call.boxes[0].tolist() == [0, 0, 8, 8]
    assert fixed.counts['fallback'] == 2
    # the per-call policy overrides the configured one
    assert fixed.detect_largest(img, on_missing='skip') is None


def test_bad_policies():
    with pytest.raises(ValueError, match='one of'):
        HaarFaceDetector(on_missing='ignore')
    with pytest.raises(ValueError, match='fallback_box'):
        HaarFaceDetector(on_missing='fallback')
    with pytest.raises(ValueError, match="'center'"):
        HaarFaceDetector(on_missing='fallback', fallback_box='middle')
    det = HaarFaceDetector(on_missing='fallback', fallback_box=(5, 5, 5, 9))
    with pytest.raises(ValueError, match='x1 > x0'):
        det.detect_largest(np.zeros((32, 32), np.uint8))


def test_largest_face_is_chosen():
    """Grace Hopper beside a half-size copy: two faces, the larger wins."""
    path = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))
    img = read_rgb(path)                                  # (600, 512, 3)
    canvas = np.zeros((600, 768, 3), np.uint8)
    canvas[150:450, 512:] = cv2.resize(img, (256, 300),
                                       interpolation=cv2.INTER_AREA)
    canvas[:, :512] = img
    det = HaarFaceDetector(find_eyes=False)
    faces = det.detect(canvas)
    assert len(faces) == 2
    assert faces.areas[0] > 2 * faces.areas[1]             # largest first
    one = det.detect_largest(canvas)
    assert len(one) == 1 and one.boxes[0, 2] < 512         # the big one


class _Two(BaseFaceDetector):
    """A detector returning two fixed boxes, the larger second."""

    def detect(self, img):
        return FaceDetections([[0, 0, 4, 4], [10, 10, 30, 40]], [0.9, 0.5])


def test_largest_not_highest_score():
    face = _Two().detect_largest(np.zeros((50, 50), np.uint8))
    assert face.boxes[0].tolist() == [10, 10, 30, 40]
    assert face.scores[0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match='landmarks'):
        FaceDetections([[0, 0, 1, 1]], [1.0], np.zeros((1, 4, 2)))
