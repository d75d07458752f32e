# CM-CNN frame rate on this CPU: face detection + rotation rectification +
# gray + LBP + forward of the G+L+D+CMFN model, per 640 x 480 frame.
#   python tools/analysis_tools/benchmark_cm_cnn.py [--config CFG]
#       [--iters 50] [--threads 2] [--detector haar|mtcnn] [--haar-video]
#       [--channels-last] [--small] [--summary-json FILE]
# (--small: 5 timed runs, for benchmark_all.py; --summary-json writes the
# per-stage and end-to-end figures as rows for benchmark_all.py)
# The paper (Sec. IV-D) reports 15 ms forward + 28 ms preprocessing per
# 148 x 148 face on a GTX 1080, ~23 frames/s.
#
# The frame is a real photograph shipped inside matplotlib
# (sample_data/grace_hopper.jpg) placed in a 640 x 480 canvas, with a
# synthetic aligned depth frame (a smooth bump over the face: depth content
# does not change the cost). The preprocessing steps are the config's own
# test pipeline after its loading step (DetectFace, AlignFace,
# ConvertToGray, ComputeTexture, SelectModalities, PackFERInputs), so the
# figures are those of the pipeline the model is trained and tested with.
import argparse
import copy
import os.path as osp
import sys
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose

from mmfer.registry import MODELS
from mmfer.utils import register_all_modules

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_summary import (add_summary_args, summary_row,  # noqa: E402
                               write_summary)

DEFAULT_CONFIG = ('configs/cm_cnn/'
                  'cm-cnn_gld-cmfn_scratch_300e_bu3dfe-p1-148px.py')


def grace_hopper_frame(width=640, height=480):
    """(H, W, 3) RGB frame with the photograph fitted in, and (H, W) uint8
    depth (nearest brightest) with a bump where the face is."""
    from matplotlib import cbook
    path = cbook.get_sample_data('grace_hopper.jpg', asfileobj=False)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    scale = min(width / bgr.shape[1], height / bgr.shape[0])
    small = cv2.resize(bgr, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA)
    frame = np.full((height, width, 3), 127, np.uint8)
    y0 = (height - small.shape[0]) // 2
    x0 = (width - small.shape[1]) // 2
    frame[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r2 = ((xx - width / 2) / 120)**2 + ((yy - height / 2.4) / 150)**2
    depth = np.clip(255 * np.exp(-r2), 0, 255).astype(np.uint8)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), depth, str(path)


def preprocessing_steps(cfg, detector):
    """The config's test pipeline after its loading transform."""
    steps = [copy.deepcopy(t) for t in cfg.test_dataloader.dataset.pipeline
             if t['type'] not in ('LoadFaceModalities', 'LoadScanDepth')]
    for t in steps:
        if t['type'] == 'DetectFace' and detector is not None:
            t['detector'] = detector
    return steps


def timed(fn, iters):
    out = fn()                                        # warm-up
    t0 = time.perf_counter()
    for _ in range(iters):
        out = fn()
    return out, (time.perf_counter() - t0) / iters * 1000


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--config', default=DEFAULT_CONFIG)
    p.add_argument('--iters', type=int, default=30)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--detector', choices=['config', 'haar', 'mtcnn'],
                   default='config',
                   help="'config' keeps the config's DetectFace detector")
    p.add_argument('--haar-video', action='store_true',
                   help='Haar with HAAR_VIDEO_FRAMES (the face cascade on a '
                   '320 px copy, coarser pyramids), the real-time preset')
    p.add_argument('--channels-last', action='store_true',
                   help='run the model in channels_last memory format '
                   '(faster convolutions on CPU)')
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--height', type=int, default=480)
    add_summary_args(p)
    a = p.parse_args(argv)
    if a.small:
        a.iters = 5
    torch.set_num_threads(a.threads)
    cv2.setNumThreads(a.threads)
    register_all_modules()

    cfg = Config.fromfile(a.config)
    detector = {'config': None, 'haar': dict(type='HaarFaceDetector'),
                'mtcnn': dict(type='MTCNNFaceDetector',
                              device='cpu')}[a.detector]
    if a.haar_video:
        from mmfer.datasets.face import HAAR_VIDEO_FRAMES
        detector = dict(type='HaarFaceDetector', **HAAR_VIDEO_FRAMES)
    steps = preprocessing_steps(cfg, detector)
    transforms = [Compose([t]) for t in steps]
    model = MODELS.build(cfg.model).eval()
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
    n_params = sum(p.numel() for p in model.parameters())

    rgb, depth, path = grace_hopper_frame(a.width, a.height)
    frame = dict(img=np.concatenate([rgb, depth[..., None]], axis=2),
                 img_path=path, modalities=('rgb', 'depth'),
                 channel_names=('R', 'G', 'B', 'D'),
                 img_shape=rgb.shape[:2], ori_shape=rgb.shape[:2])

    print(f'config: {a.config}')
    print(f'model: {type(model).__name__}, {n_params / 1e6:.2f} M '
          f'parameters; torch threads {torch.get_num_threads()}')
    print(f'frame: {a.width} x {a.height} ({path} + synthetic depth), '
          f'{a.iters} timed runs after one warm-up\n')
    stage_ms = []
    results = frame
    for step, tf in zip(steps, transforms):
        def run(tf=tf, src=results):
            return tf(dict(src))
        out, ms = timed(run, a.iters)
        if out is None:
            raise RuntimeError(f'{step["type"]} dropped the frame (no face '
                               'or eyes found); try --detector mtcnn')
        stage_ms.append((step['type'], ms))
        results = out
    data = model.data_preprocessor(
        dict(inputs=[results['inputs']], data_samples=[
            results['data_samples']]), False)
    inputs = data['inputs']
    if a.channels_last:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        logits, fwd_ms = timed(lambda: model(inputs, mode='tensor'),
                               a.iters)
    pre_ms = sum(ms for _, ms in stage_ms)
    width = max(len(n) for n, _ in stage_ms + [('model forward', 0)])
    for name, ms in stage_ms:
        print(f'  {name:<{width}}  {ms:8.2f} ms')
    print(f'  {"preprocessing total":<{width}}  {pre_ms:8.2f} ms')
    shape = tuple(data['inputs'].shape)
    print(f'  {"model forward":<{width}}  {fwd_ms:8.2f} ms  '
          f'(input {shape}, logits {tuple(logits.shape)})')
    total = pre_ms + fwd_ms
    print(f'\nend to end: {total:.2f} ms per frame = '
          f'{1000 / total:.1f} frames/s (paper: 43 ms, ~23 frames/s on a '
          'GTX 1080)')
    note = (f'{osp.basename(a.config)}, {a.width}x{a.height} frame, '
            f'{torch.get_num_threads()} threads')
    write_summary(a.summary_json, [
        summary_row('cm_cnn', f'stage {name}', ms, 'ms/frame', note)
        for name, ms in stage_ms
    ] + [
        summary_row('cm_cnn', 'preprocessing total', pre_ms, 'ms/frame',
                    note),
        summary_row('cm_cnn', 'model forward', fwd_ms, 'ms/frame',
                    f'input {shape}; {note}'),
        summary_row('cm_cnn', 'end to end', 1000 / total, 'frames/s',
                    f'paper: ~23 frames/s on a GTX 1080; {note}'),
    ])
    return total


if __name__ == '__main__':
    main()
