"""tools/infer.py: per-frame CSV rows, no-face rows kept, has_audio flag."""
import csv
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from matplotlib import cbook

from mmfer.apis import init_model
from mmfer.apis.synthetic_video import write_synthface_video
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(REPO, 'configs', 'quickstart',
                      'resnet18-w32_synthface-expr-rgb-64px.py')
MMA_DFER = osp.join(REPO, 'configs', 'mma_dfer',
                    'mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py')
CLASSES = ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise',
           'neutral']
HEAD = ['frame', 'timestamp', 'face_id', 'success', 'confidence', 'face_x',
        'face_y', 'face_width', 'face_height', 'x_0', 'x_1', 'x_2', 'x_3',
        'x_4', 'y_0', 'y_1', 'y_2', 'y_3', 'y_4']


def _infer_main():
    return load_tool('infer.py', name='infer_tool').main


def _checkpoint(config, path, meta):
    torch.manual_seed(0)
    model = init_model(config, device='cpu')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': meta}}, path)
    return path


def _rows(path):
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def test_video_csv_keeps_faceless_frames(tmp_path):
    video = str(tmp_path / 'clip.mp4')
    write_synthface_video(video, seconds=1.2, fps=10, size=(160, 128),
                          face_size=96, audio=False, episode_seconds=0.6,
                          faceless_seconds=[(0.5, 0.7)])
    ckpt = _checkpoint(QUICKSTART, str(tmp_path / 'qs.pth'),
                       dict(classes=CLASSES))
    out = str(tmp_path / 'results.csv')
    _infer_main()([QUICKSTART, ckpt, video, '--out', out, '--batch-size',
                   '3', '--no-progress', '--cfg-options',
                   'inference_face.detector.min_face_size=48'])
    columns, rows = _rows(out)
    assert columns == HEAD + CLASSES + ['expression', 'has_audio', 'input']
    assert [int(r['frame']) for r in rows] == list(range(12))
    assert [r['timestamp'] for r in rows][:3] == ['0.000', '0.100', '0.200']
    faceless = [r for r in rows if r['success'] == '0']
    assert [int(r['frame']) for r in faceless] == [5, 6]
    for r in faceless:            # kept, with empty predictions
        assert r['face_x'] == r['anger'] == r['expression'] == ''
    for r in rows:
        assert r['input'] == video and r['has_audio'] == ''
        if r['success'] == '1':
            probs = [float(r[c]) for c in CLASSES]
            assert sum(probs) == pytest.approx(1, abs=2e-3)
            assert r['expression'] == CLASSES[int(np.argmax(probs))]
            assert 40 < float(r['face_width']) < 140
            assert r['x_4'] and r['y_4']


def test_photo_csv_and_audio_flag(tmp_path):
    grace = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))
    photo = str(tmp_path / 'grace.jpg')
    cv2.imwrite(photo, cv2.resize(cv2.imread(grace), (256, 300)))
    ckpt = _checkpoint(QUICKSTART, str(tmp_path / 'qs.pth'),
                       dict(classes=CLASSES))
    out = str(tmp_path / 'photo.csv')
    _infer_main()([QUICKSTART, ckpt, photo, '--out', out, '--no-progress'])
    _, (row, ) = _rows(out)
    assert row['frame'] == row['timestamp'] == ''
    assert row['success'] == '1' and float(row['confidence']) > 0.99
    # an audio-visual model on a video without sound: flagged per row
    silent = str(tmp_path / 'silent.mp4')
    write_synthface_video(silent, seconds=0.8, fps=10, size=(96, 96),
                          face_size=96, audio=False)
    ckpt = _checkpoint(MMA_DFER, str(tmp_path / 'mma.pth'),
                       dict(classes=CLASSES))
    out = str(tmp_path / 'silent.csv')
    _infer_main()([MMA_DFER, ckpt, silent, '--out', out, '--detector',
                   'none', '--no-progress'])
    _, rows = _rows(out)
    assert len(rows) == 8 and {r['has_audio'] for r in rows} == {'0'}
