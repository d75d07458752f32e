"""FERInferencer on photos, folders and streamed videos (quickstart model,
randomly initialised; MTCNN from facenet-pytorch's wheel)."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from matplotlib import cbook

from mmfer.apis import (RESULT_KEYS, FERInferencer, FacePreprocessor,
                        VideoFrameStream, init_model)
from mmfer.apis.synthetic_video import write_synthface_video
from mmfer.datasets.synthface import SynthFaceRenderer, sample_subject

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'quickstart',
                  'resnet18-w32_synthface-expr-rgb-64px.py')
CLASSES = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise',
           'neutral']
# the video's faces are 96 px: MTCNN's pyramid can stop at 48 (3x faster)
VIDEO_DETECTOR = dict(type='MTCNNFaceDetector', min_face_size=48)
GRACE = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    m = init_model(CONFIG, device='cpu')
    m.dataset_meta = dict(classes=CLASSES)
    return m


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    """20 frames at 10 fps, 160 x 128, face 96 px; no face in 0.8-1.2 s."""
    path = str(tmp_path_factory.mktemp('video') / 'talk.mp4')
    info = write_synthface_video(path, seconds=2.0, fps=10, size=(160, 128),
                                 face_size=96, audio=False,
                                 episode_seconds=1.0,
                                 faceless_seconds=[(0.8, 1.2)])
    return path, info


@pytest.fixture(scope='module')
def video_rows(model, video):
    """Results of every frame, batch size 1, detection on every frame."""
    inf = FERInferencer(model=model, detector=VIDEO_DETECTOR)
    return inf(video[0], batch_size=1), inf


def test_photo_result_keys_box_and_probabilities(model):
    inf = FERInferencer(model=model)
    results = inf(GRACE)
    assert len(results) == 1
    r = results[0]
    assert tuple(r) == RESULT_KEYS
    assert r['source'] == GRACE and r['frame'] is None \
        and r['timestamp'] is None and r['has_audio'] is None
    assert r['success'] and r['face_id'] == 0
    # MTCNN's box of docs/face.md
    np.testing.assert_allclose(r['box'], [174.4, 119.6, 355.6, 340.5],
                               atol=2.0)
    assert r['score'] > 0.99 and len(r['landmarks']) == 5
    assert list(r['expression_probs']) == CLASSES
    assert sum(r['expression_probs'].values()) == pytest.approx(1, abs=1e-5)
    assert r['expression'] == max(r['expression_probs'],
                                  key=r['expression_probs'].get)
    assert r['au_probs'] is None
    assert inf.num_frames == 1
    assert set(inf.stage_times) == {'decode', 'detect', 'align', 'model'}
    assert all(v > 0 for v in inf.stage_times.values())


def test_inference_face_crop_reproduces_the_training_framing(model):
    """A SynthFace render (the training image) pasted at 3x into a larger
    frame: the inferencer's crop equals the render itself."""
    render = SynthFaceRenderer(64).render(sample_subject(3, 0), {12: 4},
                                          seed=3, noise=False)['rgb']
    big = cv2.resize(render, (192, 192), interpolation=cv2.INTER_CUBIC)
    frame = np.full((320, 400, 3), 100, np.uint8)
    frame[60:252, 120:312] = big
    prep = FacePreprocessor(model.cfg)
    assert prep.face_rule['margin'] == 0.27 and prep.face_rule['size'] == 64
    loaded = dict(img=frame, modalities=('rgb', ), img_path='<frame>')
    faces = prep.detector.detect(frame)
    crop = prep.face_sample(loaded, faces.largest())['inputs']   # (3, 64, 64)
    crop = crop.permute(1, 2, 0).numpy().astype(np.float32)
    err = np.abs(crop - render).mean()
    # a crop without the margin frames the face 1.5x larger: far worse
    tight = cv2.resize(frame[90:222, 150:282], (64, 64),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    assert err < 12, err
    assert np.abs(tight - render).mean() > 2 * err


def test_video_every_frame_no_face_rows_and_batch_size(model, video,
                                                       video_rows):
    path, info = video
    rows1, inf1 = video_rows
    rows4 = FERInferencer(model=model, detector=VIDEO_DETECTOR)(
        path, batch_size=4)
    assert [r['frame'] for r in rows1] == list(range(20))
    np.testing.assert_allclose([r['timestamp'] for r in rows1],
                               np.arange(20) / 10, atol=1e-6)
    faceless = [k for k, e in enumerate(info['expressions']) if not e]
    assert faceless == [8, 9, 10, 11]
    for r in rows1:
        if r['frame'] in faceless:   # kept, flagged, empty
            assert not r['success'] and r['box'] is None
            assert r['expression_probs'] is None and r['expression'] is None
        else:
            assert r['success']
            box = info['boxes'][r['frame']]
            centre = [(r['box'][0] + r['box'][2]) / 2,
                      (r['box'][1] + r['box'][3]) / 2]
            assert np.abs(np.subtract(centre, [(box[0] + box[2]) / 2,
                                               (box[1] + box[3]) / 2])).max() \
                < 10
    # results do not depend on the batch size
    assert [r['success'] for r in rows1] == [r['success'] for r in rows4]
    for a, b in zip(rows1, rows4):
        if a['success']:
            np.testing.assert_allclose(list(a['expression_probs'].values()),
                                       list(b['expression_probs'].values()),
                                       atol=1e-5)
    assert inf1.num_frames == 20


def test_video_frame_selection_and_tracking(model, video, video_rows):
    path, _ = video
    # detector=None: frames as they are (selection only, no detection)
    rows = FERInferencer(model=model, detector=None)(path, every=3)
    assert [r['frame'] for r in rows] == list(range(0, 20, 3))
    assert all(r['success'] and r['box'] == [0, 0, 160, 128] for r in rows)
    rows = FERInferencer(model=model, detector=None)(path, fps=4)
    ts = [r['timestamp'] for r in rows]
    assert len(rows) == 8 and np.all(np.diff(ts) >= 0.2 - 1e-6)
    full = video_rows[0]
    inf = FERInferencer(model=model, detector=VIDEO_DETECTOR,
                        detect_every=5)
    tracked = inf(path)
    # 4 key frames + re-detections when the face vanishes and returns
    assert inf.tracker.num_detections < 12 and inf.tracker.num_tracked > 8
    for a, b in zip(full, tracked):
        assert a['success'] == b['success'], a['frame']
        if a['success']:   # the tracked box follows the face
            assert np.abs(np.subtract(a['box'], b['box'])).max() < 12
    # detection on a half-size copy: boxes mapped back to the frame
    half = FERInferencer(model=model, detect_width=80, detector=dict(
        type='MTCNNFaceDetector', min_face_size=24))(path, every=4)
    for a, b in zip(full[::4], half):
        assert a['success'] == b['success'], a['frame']
        if a['success']:
            assert np.abs(np.subtract(a['box'], b['box'])).max() < 10


def test_video_stream_reads_frame_by_frame(video):
    path, _ = video
    stream = VideoFrameStream(path)
    assert (stream.width, stream.height, stream.num_frames) == (160, 128, 20)
    assert stream.fps == pytest.approx(10)
    first = next(iter(stream))
    assert first.index == 0 and first.rgb.shape == (128, 160, 3)
    with pytest.raises(ValueError, match='every=N or fps=F'):
        VideoFrameStream(path, every=2, fps=5)


def test_bad_inputs_name_the_file(model, tmp_path):
    inf = FERInferencer(model=model)
    missing = str(tmp_path / 'nope.jpg')
    with pytest.raises(FileNotFoundError, match='nope.jpg does not exist'):
        inf(missing)
    broken = tmp_path / 'broken.png'
    broken.write_bytes(b'\x89PNG not really')
    with pytest.raises(ValueError, match='Cannot decode image file .*'
                       'broken.png'):
        inf(str(broken))
    bad_video = tmp_path / 'cut.mp4'
    bad_video.write_bytes(b'\x00\x00\x00\x18ftypmp42' + b'\x00' * 64)
    with pytest.raises(ValueError, match='Cannot open video .*cut.mp4'):
        inf(str(bad_video))
    # grayscale photo: converted to 3 channels, predicted
    gray = str(tmp_path / 'gray.png')
    cv2.imwrite(gray, cv2.cvtColor(cv2.resize(cv2.imread(GRACE), (256, 300)),
                                   cv2.COLOR_BGR2GRAY))
    r = inf(gray)[0]
    assert r['success'] and r['expression'] in CLASSES
    r = inf(cv2.imread(gray, cv2.IMREAD_GRAYSCALE))[0]
    assert r['success'] and r['source'] == '<array>'
    # a photo without a face: one row, success False
    blank = str(tmp_path / 'wall.png')
    cv2.imwrite(blank, np.full((120, 160, 3), 128, np.uint8))
    (r, ) = inf(blank)
    assert not r['success'] and r['box'] is None and r['expression'] is None
    # a folder: unreadable files are skipped, counted and logged
    folder = tmp_path / 'photos'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a_gray.png'), cv2.imread(gray))
    (folder / 'b_broken.jpg').write_bytes(b'garbage')
    cv2.imwrite(str(folder / 'c_wall.png'), cv2.imread(blank))
    (folder / 'notes.txt').write_text('not an image')
    inf = FERInferencer(model=model)
    rows = inf(str(folder))
    ((path, message), ) = inf.skipped
    assert path.endswith('b_broken.jpg') and 'Cannot decode' in message
    assert '2 of 3 files read, 1 unreadable skipped' in inf.summary
    assert [osp.basename(r['source']) for r in rows] == ['a_gray.png',
                                                         'c_wall.png']
    assert [r['success'] for r in rows] == [True, False]
    assert inf.num_skipped == 1


def test_truncated_video_is_reported(model, tmp_path):
    path = str(tmp_path / 'long.mkv')
    write_synthface_video(path, seconds=2.0, fps=10, size=(96, 96),
                          face_size=64, audio=False)
    data = open(path, 'rb').read()
    cut = str(tmp_path / 'cut.mkv')
    open(cut, 'wb').write(data[:len(data) // 2])
    stream = VideoFrameStream(cut)
    frames = [f.index for f in stream]
    assert 0 < len(frames) < 20
    assert stream.truncated
    assert 'cut.mkv' in stream.warning
    assert 'the file is truncated' in stream.warning


def test_annotated_outputs(model, video, tmp_path):
    path, _ = video
    out = tmp_path / 'vis'
    inf = FERInferencer(model=model, detector=VIDEO_DETECTOR)
    inf([GRACE, path], out_dir=str(out), every=10)
    img = cv2.imread(str(out / 'grace_hopper.jpg'.replace('.jpg', '.png')))
    assert img.shape == (600, 512, 3)
    assert not np.array_equal(img, cv2.imread(GRACE))   # drawn on
    stream = VideoFrameStream(str(out / 'talk.mp4'))
    assert stream.num_frames == 2 and (stream.width, stream.height) == (160,
                                                                      128)
