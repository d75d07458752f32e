"""Haar and MTCNN on a real photograph shipped with matplotlib.

``grace_hopper.jpg`` (512 x 600, one frontal face) is in matplotlib's
``mpl-data/sample_data``. The pinned boxes and eyes were measured with
tools/analysis_tools/benchmark_face_detectors.py (opencv-python 4.14,
facenet-pytorch 2.5.3); tolerances allow other 4.x / torch builds.
"""
import socket

import cv2
import numpy as np
import pytest
import torch

from mmfer.datasets.face import (LANDMARK_NAMES, FaceDetections,
                                 HaarFaceDetector, MTCNNFaceDetector,
                                 load_haar_cascade, read_rgb)
from mmfer.registry import FACE_DETECTORS

cbook = pytest.importorskip('matplotlib.cbook')

# measured (x0, y0, x1, y1) and eyes (image-left, image-right)
HAAR_BOX = (155, 105, 377, 327)
HAAR_EYES = ((225, 189), (303, 186))
MTCNN_BOX = (174.4, 119.6, 355.6, 340.5)
MTCNN_EYES = ((221.7, 192.2), (309.8, 186.1))


@pytest.fixture(scope='module')
def grace():
    path = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))
    return path, read_rgb(path)


@pytest.fixture(scope='module')
def mtcnn():
    return MTCNNFaceDetector(device='cpu')


def _check_face(det: FaceDetections, box, eyes, box_tol, eye_tol):
    assert len(det) == 1
    np.testing.assert_allclose(det.boxes[0], box, atol=box_tol)
    x0, y0, x1, y1 = det.boxes[0]
    (lx, ly), (rx, ry) = det.eyes[0]
    np.testing.assert_allclose(det.eyes[0], eyes, atol=eye_tol)
    # eyes inside the box's upper half, image-left eye left of the other
    for x, y in det.eyes[0]:
        assert x0 < x < x1 and y0 < y < (y0 + y1) / 2
    assert lx < (x0 + x1) / 2 < rx
    assert det.boxes.dtype == np.float32 and det.landmarks.shape == (1, 5, 2)


def test_haar_on_grace_hopper(grace):
    path, img = grace
    det = HaarFaceDetector().detect(img)
    _check_face(det, HAAR_BOX, HAAR_EYES, box_tol=12, eye_tol=10)
    assert det.scores[0] >= 5                # merged windows >= min_neighbors
    assert np.isnan(det.landmarks[0, 2:]).all()    # no nose / mouth points
    # a path and a gray image give the same box
    np.testing.assert_array_equal(HaarFaceDetector().detect(path).boxes,
                                  det.boxes)
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    np.testing.assert_array_equal(
        HaarFaceDetector(find_eyes=False).detect(gray).boxes, det.boxes)


def test_mtcnn_on_grace_hopper(grace, mtcnn):
    _, img = grace
    det = mtcnn.detect(img)
    _check_face(det, MTCNN_BOX, MTCNN_EYES, box_tol=6, eye_tol=4)
    assert det.scores[0] > 0.99
    lm = dict(zip(LANDMARK_NAMES, det.landmarks[0]))
    assert lm['left_eye'][0] < lm['nose'][0] < lm['right_eye'][0]
    assert lm['nose'][1] > max(lm['left_eye'][1], lm['right_eye'][1])
    assert lm['mouth_left'][0] < lm['nose'][0] < lm['mouth_right'][0]
    assert min(lm['mouth_left'][1], lm['mouth_right'][1]) > lm['nose'][1]
    assert np.isfinite(det.landmarks).all()
    # both detectors put the eyes within ~10 px of each other
    haar = HaarFaceDetector().detect(img)
    assert np.abs(haar.eyes - det.eyes).max() < 12


def test_mtcnn_loads_wheel_weights_offline(monkeypatch, grace):
    """No download, and the weights load under torch's weights_only
    default (facenet-pytorch never passes weights_only)."""
    loads = []
    real_load = torch.load

    def spy(*args, **kwargs):
        loads.append((str(args[0]), kwargs.get('weights_only')))
        return real_load(*args, **kwargs)

    def no_network(*args, **kwargs):
        raise AssertionError('MTCNNFaceDetector opened a network socket')

    monkeypatch.setattr(torch, 'load', spy)
    monkeypatch.setattr(socket.socket, 'connect', no_network)
    monkeypatch.setattr(socket, 'create_connection', no_network)
    det = MTCNNFaceDetector(device='cpu')
    assert len(det.detect(grace[1])) == 1
    names = sorted(p.replace('\\', '/').rsplit('/', 1)[-1] for p, _ in loads)
    assert names == ['onet.pt', 'pnet.pt', 'rnet.pt']
    assert all(p.replace('\\', '/').split('/')[-2] == 'data' for p, _ in loads)
    assert all(w is None for _, w in loads)          # torch's default


def test_registry_and_inputs(mtcnn):
    det = FACE_DETECTORS.build(dict(type='HaarFaceDetector',
                                    on_missing='skip'))
    assert isinstance(det, HaarFaceDetector) and det.on_missing == 'skip'
    assert 'HaarFaceDetector(' in repr(det)
    assert FACE_DETECTORS.get('MTCNNFaceDetector') is MTCNNFaceDetector
    assert str(mtcnn.device) == 'cpu'
    blank = np.zeros((64, 80), np.uint8)               # gray works for both
    assert len(mtcnn.detect(blank)) == 0 and len(det.detect(blank)) == 0
    with pytest.raises(ValueError, match='uint8'):
        det.detect(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match='fraction'):
        HaarFaceDetector(min_size=1.5)


def test_missing_cascade_says_pin_opencv(tmp_path):
    with pytest.raises(FileNotFoundError, match='<5'):
        load_haar_cascade(str(tmp_path / 'none.xml'))
    with pytest.raises(FileNotFoundError, match='opencv'):
        HaarFaceDetector(eye_cascade='no_such_cascade.xml')
