"""tools/analysis_tools/benchmark_infer.py: its video, per-frame stage
figures and --summary-json rows (no timing assertions)."""
import json
import math

import pytest

from tool_scripts import load_tool


bench = load_tool('analysis_tools', 'benchmark_infer.py')


def test_make_video_writes_the_frames_it_is_asked_for(tmp_path):
    av = pytest.importorskip('av')
    path = bench.make_video(str(tmp_path / 'v.mp4'), 12, 160, 120)
    with av.open(path) as container:
        frames = [f.to_ndarray(format='rgb24')
                  for f in container.decode(video=0)]
    assert len(frames) == 12 and frames[0].shape == (120, 160, 3)
    # the portrait moves: the first and a later frame differ
    assert abs(frames[0].astype(int) - frames[8].astype(int)).mean() > 1


class _FakeInferencer:
    """Three frames, 10 ms decode and 20 ms model per frame; a face in
    frames 0 and 2 (two faces in frame 2); counters left over from an
    earlier run."""

    def __init__(self):
        self.stage_times = dict(decode=5.0, detect=0., align=0., model=0.)
        self.num_frames = 7

    def iter_results(self, video, batch_size=1, every=1):
        for frame, success in ((0, True), (1, False), (2, True), (2, True)):
            yield dict(frame=frame, success=success)
        self.stage_times['decode'] += 0.030
        self.stage_times['model'] += 0.060
        self.num_frames += 3


def test_run_video_resets_counters_and_divides_by_frames():
    res = bench.run_video(_FakeInferencer(), 'video.mp4')
    assert res['frames'] == 3 and res['faces'] == 2
    assert res['decode_ms'] == pytest.approx(10.0)
    assert res['model_ms'] == pytest.approx(20.0)
    assert res['detect_ms'] == 0 and res['fps'] > 0


def test_summary_json_rows(tmp_path):
    out = str(tmp_path / 'summary.json')
    bench.main(['--small', '--frames', '10', '--detectors', 'haar-video',
                '--detect-every', '5', '--backends', 'torch', '--threads',
                '1', '--summary-json', out])
    with open(out) as f:
        rows = json.load(f)
    tag = 'haar-video,detect_every=5,torch'
    metrics = {r['metric']: r for r in rows}
    expected = {f'fps[{tag}]', f'cpu_ms[{tag}]', f'face_found[{tag}]'} | {
        f'{s}_ms[{tag}]' for s in ('decode', 'detect', 'align', 'model',
                                   'other')}
    assert set(metrics) == expected
    for r in rows:
        assert set(r) == {'benchmark', 'metric', 'value', 'unit', 'note'}
        assert r['benchmark'] == 'infer' and math.isfinite(r['value'])
        assert '640x480' in r['note'] and 'load average' in r['note']
    assert metrics[f'fps[{tag}]']['unit'] == 'frames/s'
    assert metrics[f'fps[{tag}]']['value'] > 0
    assert metrics[f'model_ms[{tag}]']['unit'] == 'ms/frame'
    assert 'every 5 frames + tracking' in metrics[f'fps[{tag}]']['note']
    # the moving photograph's face is found (and tracked) in every frame
    assert metrics[f'face_found[{tag}]']['value'] == 1.0
