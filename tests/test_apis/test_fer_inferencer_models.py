"""FERInferencer with every method's model kind (tiny, random weights):
MMA-DFER clips with the video's own audio or the zero-audio path, MCM's
RGB-D AU model given depth as an extra input, CM-CNN's DetectFace /
AlignFace / gray + LBP + depth pipeline."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate

from mmfer.apis import FERInferencer, init_model
from mmfer.apis.synthetic_video import write_synthface_video
from mmfer.datasets.synthface import (SynthFaceRenderer, encode_depth,
                                      sample_subject)
from mmfer.datasets.transforms import LoadFaceModalities

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMA_DFER = osp.join(REPO, 'configs', 'mma_dfer',
                    'mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py')
MCM = osp.join(REPO, 'configs', 'mcm',
               'mcm_vit-tiny-p8_scratch_20e_synthface-bp4d-rgbd-64px.py')
CM_CNN = osp.join(REPO, 'configs', 'cm_cnn',
                  'cm-cnn_gld-cmfn_scratch_20e_synthface-bu3dfe-p1-64px.py')


@pytest.fixture(scope='module')
def clip_videos(tmp_path_factory):
    """The same 20 frames (10 fps, 96 x 96 face-filling renders), with and
    without a sound track."""
    root = tmp_path_factory.mktemp('clips')
    paths = {}
    for audio in (True, False):
        paths[audio] = str(root / f'clip_audio{int(audio)}.mp4')
        write_synthface_video(paths[audio], seconds=2.0, fps=10,
                              size=(96, 96), face_size=96, audio=audio,
                              episode_seconds=1.0)
    return paths


@pytest.fixture(scope='module')
def mma_dfer():
    torch.manual_seed(0)
    return init_model(MMA_DFER, device='cpu')


def _probs(rows):
    return np.array([list(r['expression_probs'].values()) for r in rows])


def test_clip_windows_with_the_videos_audio(mma_dfer, clip_videos):
    # detector=None: the frames are face crops as in the training data
    inf = FERInferencer(model=mma_dfer, detector=None, window=8, stride=8)
    rows = inf(clip_videos[True], batch_size=2)
    assert [r['frame'] for r in rows] == list(range(20))
    assert all(r['success'] and r['has_audio'] is True for r in rows)
    p = _probs(rows)
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-5)
    # windows [0, 8), [8, 16), and the tail: the last 8 frames [12, 20)
    # for the frames 16-19 no window covered
    np.testing.assert_allclose(p[:8], np.repeat(p[:1], 8, 0), atol=1e-6)
    np.testing.assert_allclose(p[8:16], np.repeat(p[8:9], 8, 0), atol=1e-6)
    np.testing.assert_allclose(p[16:], np.repeat(p[16:17], 4, 0), atol=1e-6)
    assert np.abs(p[0] - p[8]).max() > 1e-4
    # overlapping windows (stride 4): [0,8) [4,12) [8,16) [12,20); a frame
    # gets the mean of the windows covering it
    rows4 = FERInferencer(model=mma_dfer, detector=None, window=8,
                          stride=4)(clip_videos[True], batch_size=3)
    q = _probs(rows4)
    np.testing.assert_allclose(q[:4], p[:4], atol=1e-5)   # only W[0, 8)
    w48 = 2 * q[4] - p[0]                                 # W[4, 12)
    np.testing.assert_allclose(q[8], (w48 + p[8]) / 2, atol=1e-5)
    np.testing.assert_allclose(q[12], (p[8] + p[16]) / 2, atol=1e-5)
    np.testing.assert_allclose(q[16:], p[16:], atol=1e-5)  # only W[12, 20)
    with pytest.raises(ValueError, match='stride must be in'):
        FERInferencer(model=mma_dfer, detector=None, window=8, stride=9)


def test_video_without_audio_takes_the_zero_audio_path(mma_dfer,
                                                       clip_videos):
    inf = FERInferencer(model=mma_dfer, detector=None, window=8, stride=8)
    silent = inf(clip_videos[False])
    assert all(r['success'] and r['has_audio'] is False for r in silent)
    # the same frames with their sound track predict differently
    talking = inf(clip_videos[True])
    assert np.abs(_probs(silent) - _probs(talking)).max() > 1e-4
    # the zero-audio path is LoadAudioFbank's all-zero fbank
    prep = inf.prep
    crops = [np.zeros((64, 64, 3), np.uint8)] * 8
    fbank = prep.clip_sample(crops, 'x')['inputs']['audio']   # (1, 512, 128)
    zero = (0 - prep.clip_pipeline.transforms[-2].norm_mean) / (
        2 * prep.clip_pipeline.transforms[-2].norm_std)
    assert fbank.shape == (1, 512, 128)
    np.testing.assert_allclose(fbank.numpy(), zero, atol=1e-6)


def test_clip_model_detects_and_crops_faces(mma_dfer, tmp_path):
    path = str(tmp_path / 'room.mp4')
    write_synthface_video(path, seconds=0.8, fps=10, size=(160, 128),
                          face_size=96, audio=True)
    inf = FERInferencer(model=mma_dfer,
                        detector=dict(type='MTCNNFaceDetector',
                                      min_face_size=48))
    assert inf.window == 8 and inf.stride == 4       # clip_len, half
    rows = inf(path)
    assert len(rows) == 8 and all(r['success'] for r in rows)
    assert all(r['box'][2] - r['box'][0] > 40 for r in rows)
    assert all(r['has_audio'] for r in rows)


@pytest.fixture(scope='module')
def face_files(tmp_path_factory):
    """A 128 px SynthFace render as the files a dataset holds: RGB PNG and
    depth PNG (mmfer's uint16 0.1 mm codes)."""
    root = tmp_path_factory.mktemp('rgbd')
    out = SynthFaceRenderer(128).render(sample_subject(1, 0),
                                        {12: 4, 6: 3}, seed=1)
    rgb, depth = str(root / 'face.png'), str(root / 'face_depth.png')
    cv2.imwrite(rgb, cv2.cvtColor(out['rgb'], cv2.COLOR_RGB2BGR))
    cv2.imwrite(depth, encode_depth(out['depth']))
    return dict(rgb=rgb, depth=depth, out=out)


def test_rgbd_au_model_takes_depth_as_an_extra_input(face_files):
    torch.manual_seed(0)
    model = init_model(MCM, device='cpu')
    au_names = [f'AU{k}' for k in (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23,
                                   24)]
    model.dataset_meta = dict(au_names=au_names)
    inf = FERInferencer(model=model)
    assert inf.prep.modalities == ('rgb', 'depth')
    (r, ) = inf(dict(rgb=face_files['rgb'], depth=face_files['depth']))
    assert r['success'] and r['expression_probs'] is None
    assert list(r['au_probs']) == au_names
    assert all(0 <= p <= 1 for p in r['au_probs'].values())
    assert inf.output_names() == dict(expression=[], au=au_names)
    # arrays in the loaded form (LoadFaceModalities') give the same
    loaded = LoadFaceModalities(modalities=('depth', ))(
        dict(depth_path=face_files['depth']))['img'][..., 0]  # (H, W) uint8
    (a, ) = inf(dict(rgb=face_files['out']['rgb'], depth=loaded))
    np.testing.assert_allclose(list(a['au_probs'].values()),
                               list(r['au_probs'].values()), atol=1e-5)
    with pytest.raises(ValueError, match=r"loads \('rgb', 'depth'\).*"
                       'face.png.*depth='):
        inf(face_files['rgb'])


def test_cm_cnn_inference_equals_its_test_pipeline(face_files):
    """DetectFace + AlignFace + gray / LBP / depth: the inferencer's input
    is the test pipeline's, so its prediction is the same."""
    torch.manual_seed(0)
    model = init_model(CM_CNN, device='cpu')
    inf = FERInferencer(model=model)
    assert inf.prep.face_rule['source'] == 'test pipeline'
    assert type(inf.detector).__name__ == 'MTCNNFaceDetector'
    (r, ) = inf(dict(rgb=face_files['rgb'], depth=face_files['depth']))
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    packed = pipeline(dict(img_path=face_files['rgb'],
                           depth_path=face_files['depth']))
    assert packed['inputs'].shape == (3, 64, 64)       # Y, L, D
    ref = model.test_step(pseudo_collate([packed]))[0].pred_score
    np.testing.assert_allclose(list(r['expression_probs'].values()),
                               ref.numpy(), atol=1e-6)
