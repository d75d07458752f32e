# End-to-end video inference speed of mmfer.apis.FERInferencer on this CPU,
# and peak memory against video length.
#   python tools/analysis_tools/benchmark_infer.py [CHECKPOINT]
#       [--config CFG] [--video FILE | --source grace_hopper|synthface]
#       [--frames 250] [--threads 2]
#       [--detectors haar mtcnn] [--detect-every 1 5] [--backends torch onnx]
#       [--batch-size 1] [--memory] [--small] [--summary-json FILE]
#
# Speed: a 640 x 480, 25 frames/s H.264 video (written with PyAV) of a real
# photograph shipped inside matplotlib (sample_data/grace_hopper.jpg, scaled
# to a 300-pixel-high portrait) moving over a textured background, so that
# detectors see a real face at a new position in every frame. The
# inferencer runs the quickstart model (random initialisation without a
# CHECKPOINT: the cost is the same) on every frame, with detection on every
# frame (detect_every=1) or on every k-th frame with the template-matching
# tracker of mmfer.apis.face_tracking in between (detect_every=k), for each
# detector, and with the torch model or its ONNX export (ONNX Runtime). It
# prints frames/s end to end (wall clock of FERInferencer.iter_results over
# the video, after a 10-frame warm-up video) and the per-frame ms of the
# inferencer's stages (decode, detect, align, model: its stage_times), the
# rest (result dicts, bookkeeping) as "other", and the process CPU time per
# frame (all threads). --source synthface uses a rendered SynthFace face
# (mmfer.apis.synthetic_video) instead of the photograph.
#
# --memory: peak RSS of inference on a 1-minute and a 10-minute synthetic
# video (320 x 240, 25 frames/s, --every 10 by default: 150 and 1,500
# processed frames of 1,500 and 15,000 decoded), each in a fresh process
# (ru_maxrss is a process's peak), to show memory flat in video length.
#
# The machine's load (uptime) is printed with the figures: on a shared
# machine frames/s fall with the load, so re-measure on an idle one.
import argparse
import importlib.util
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
sys.path.insert(0, HERE)
from benchmark_summary import (add_summary_args, summary_row,  # noqa: E402
                               write_summary)

DEFAULT_CONFIG = osp.join(REPO, 'configs', 'quickstart',
                          'resnet18-w32_synthface-expr-rgb-64px.py')
STAGES = ('decode', 'detect', 'align', 'model')
BENCHMARK = 'infer'
PY_FEAT_FPS = 8.9  # py-feat v2 detector, CPU, batch 1 (its docs)
# the quickstart dataset is pre-cropped SynthFace faces, so its config says
# nothing about framing; used only when the config has no inference_face
FALLBACK_INFERENCE_FACE = dict(
    detector=dict(type='MTCNNFaceDetector'), margin=0.1, size=64,
    rotate=False)
# detector settings: the face layer's defaults, and its presets for
# 640 x 480 video with faces of at least ~80 px (docs/face.md)
DETECTORS = dict(
    haar=dict(type='HaarFaceDetector'),
    mtcnn=dict(type='MTCNNFaceDetector'),
    # HAAR_VIDEO_FRAMES: cascade on a 320-px-wide copy, coarser pyramids
    **{'haar-video': dict(type='HaarFaceDetector', detect_width=320,
                          scale_factor=1.2, min_size=40,
                          eye_scale_factor=1.2),
       # the image pyramid starts at faces of 80 px instead of 20 px
       'mtcnn-video': dict(type='MTCNNFaceDetector', min_face_size=80)})


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 min) and the core count."""
    one, five, fifteen = os.getloadavg()
    return (f'load average {one:.2f}, {five:.2f}, {fifteen:.2f} on '
            f'{os.cpu_count()} cores')


def portrait(height: int):
    """grace_hopper.jpg as (h, w, 3) uint8 RGB, ``height`` pixels high."""
    import cv2
    from matplotlib import cbook
    path = cbook.get_sample_data('grace_hopper.jpg', asfileobj=False)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    scale = height / bgr.shape[0]
    small = cv2.resize(bgr, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)


def make_video(path: str, num_frames: int, width: int = 640,
               height: int = 480, fps: int = 25, face_height=None,
               seed: int = 0) -> str:
    """Write an H.264 (yuv420p) video of the portrait moving on a textured
    background with PyAV, frame by frame (memory independent of length).

    Args:
        path (str): output ``.mp4``.
        num_frames (int): frames T.
        width, height (int): frame size. Defaults to 640 x 480.
        fps (int): frame rate. Defaults to 25.
        face_height (int, optional): portrait height; default 5/8 of the
            frame height (300 px at 480: a face about 130 px wide).
        seed (int): background texture seed.

    Returns:
        str: ``path``.
    """
    import cv2
    import numpy as np

    from mmfer.apis.video_stream import VideoWriter
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (height // 8, width // 8, 3), np.uint8)
    background = cv2.resize(noise, (width, height),
                            interpolation=cv2.INTER_CUBIC) // 2 + 40
    photo = portrait(face_height or height * 5 // 8)
    ph, pw = photo.shape[:2]
    free_x, free_y = width - pw, height - ph
    writer = VideoWriter(path, fps, (width, height),
                         options={'preset': 'veryfast'})
    for t in range(num_frames):
        # a Lissajous path through the free area, ~4 s per sweep
        x = int(free_x * (0.5 + 0.5 * np.sin(2 * np.pi * t / (4.0 * fps))))
        y = int(free_y * (0.5 + 0.5 * np.sin(2 * np.pi * t / (6.0 * fps))))
        frame = background.copy()
        frame[y:y + ph, x:x + pw] = photo
        writer.write(frame)
    writer.close()
    return path


def make_source_video(source: str, path: str, num_frames: int,
                      width: int = 640, height: int = 480,
                      fps: int = 25) -> str:
    """The benchmark video: ``'grace_hopper'`` (:func:`make_video`) or
    ``'synthface'`` (a rendered SynthFace face, 192 px, drifting through
    expression episodes: :func:`mmfer.apis.synthetic_video.
    write_synthface_video`, no sound track)."""
    if source == 'grace_hopper':
        return make_video(path, num_frames, width, height, fps)
    from mmfer.apis.synthetic_video import write_synthface_video
    write_synthface_video(path, seconds=num_frames / fps, fps=fps,
                          size=(width, height), audio=False)
    return path


def _cfg_options(config: str) -> dict:
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    return {} if cfg.get('inference_face') else dict(
        inference_face=FALLBACK_INFERENCE_FACE)


def export_onnx_model(config: str, checkpoint, out_file: str) -> str:
    """Export with tools/deployment/export_onnx.py (default input shape)."""
    path = osp.join(REPO, 'tools', 'deployment', 'export_onnx.py')
    spec = importlib.util.spec_from_file_location('export_onnx', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    model = tool.load_model(config, checkpoint, _cfg_options(config))
    tool.export_onnx(model, out_file, tool.default_input_shapes(model.cfg))
    return out_file


def build_inferencer(config, checkpoint, detector, detect_every, backend,
                     onnx_file, threads):
    """A ``FERInferencer`` on CPU with the torch model or ONNX Runtime."""
    from mmfer.apis.fer_inferencer import FERInferencer
    options = _cfg_options(config)
    model = None
    if backend == 'onnx':
        from mmengine.config import Config

        from mmfer.apis.onnx_runtime_model import ONNXRuntimeModel
        cfg = Config.fromfile(config)
        cfg.merge_from_dict(options)
        model = ONNXRuntimeModel(onnx_file, cfg, num_threads=threads)
    return FERInferencer(config, checkpoint, device='cpu',
                         detector=dict(DETECTORS[detector]),
                         detect_every=detect_every, model=model,
                         cfg_options=options)


def run_video(inferencer, video: str, batch_size: int = 1,
              every: int = 1) -> dict:
    """Frames/s end to end and ms per frame per stage of one video.

    Returns:
        dict: ``fps`` (wall clock), ``cpu_ms`` (process CPU time per
        frame, all threads: the cost on an idle machine), ``frames``,
        ``faces`` (frames with a face), ``<stage>_ms`` for each stage and
        ``other_ms`` (wall clock per frame).
    """
    inferencer.stage_times = {k: 0.0 for k in inferencer.stage_times}
    inferencer.num_frames = 0
    found = set()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for res in inferencer.iter_results(video, batch_size=batch_size,
                                       every=every):
        if res['success']:
            found.add(res['frame'])
    elapsed = time.perf_counter() - t0
    n = max(inferencer.num_frames, 1)
    out = dict(fps=inferencer.num_frames / elapsed,
               cpu_ms=(time.process_time() - cpu0) / n * 1000,
               frames=inferencer.num_frames, faces=len(found))
    for k in STAGES:
        out[f'{k}_ms'] = inferencer.stage_times.get(k, 0.0) / n * 1000
    out['other_ms'] = elapsed / n * 1000 - sum(out[f'{k}_ms']
                                               for k in STAGES)
    return out


def speed(args, tmp: str) -> list:
    import torch
    torch.set_num_threads(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    video = args.video or make_source_video(
        args.source, osp.join(tmp, 'bench_640x480.mp4'), args.frames)
    warmup = make_source_video(args.source, osp.join(tmp, 'warmup.mp4'), 10)
    onnx_file = None
    if 'onnx' in args.backends:
        onnx_file = export_onnx_model(args.config, args.checkpoint,
                                      osp.join(tmp, 'model.onnx'))
    print(f'{osp.basename(args.config)}, '
          f'checkpoint {args.checkpoint or "none (random init)"}, '
          f'{args.threads} threads, batch {args.batch_size}; video {video} '
          f'({f"{args.source}, {args.frames}" if not args.video else "given"}'
          f' frames); '
          f'{load_average()}')
    header = (f'{"detector":11s} {"every":>5s} {"backend":7s} {"fps":>7s} '
              + ' '.join(f'{k + "_ms":>9s}' for k in STAGES + ('other', ))
              + f' {"cpu_ms":>7s}  face found')
    print(header)
    rows, measured = [], []
    for det in args.detectors:
        for k in args.detect_every:
            for backend in args.backends:
                inf = build_inferencer(args.config, args.checkpoint, det, k,
                                       backend, onnx_file, args.threads)
                run_video(inf, warmup, args.batch_size)
                r = run_video(inf, video, args.batch_size)
                mode = 'every frame' if k == 1 else \
                    f'every {k} frames + tracking'
                print(f'{det:11s} {k:5d} {backend:7s} {r["fps"]:7.1f} ' +
                      ' '.join(f'{r[s + "_ms"]:9.2f}'
                               for s in STAGES + ('other', )) +
                      f' {r["cpu_ms"]:7.1f}  {r["faces"]}/{r["frames"]}')
                tag = f'{det},detect_every={k},{backend}'
                measured.append((tag, r))
                note = (f'640x480 {args.source if not args.video else ""} '
                        f'video, detection {mode}, {args.threads} '
                        f'threads, batch {args.batch_size}, '
                        f'{load_average()}')
                rows.append(summary_row(BENCHMARK, f'fps[{tag}]', r['fps'],
                                        'frames/s', note))
                for s in STAGES + ('other', ):
                    rows.append(summary_row(BENCHMARK, f'{s}_ms[{tag}]',
                                            r[f'{s}_ms'], 'ms/frame', note))
                rows.append(summary_row(
                    BENCHMARK, f'cpu_ms[{tag}]', r['cpu_ms'], 'ms/frame',
                    note + '; process CPU time, all threads'))
                rows.append(summary_row(
                    BENCHMARK, f'face_found[{tag}]',
                    r['faces'] / max(r['frames'], 1), 'fraction', note))
    # a detector that misses the face skips the crop and the model: its
    # frame rate says nothing about the pipeline
    valid = [(t, r) for t, r in measured if r['faces'] >= 0.9 * r['frames']]
    for tag, r in measured:
        if (tag, r) not in valid:
            print(f'{tag}: a face in only {r["faces"]} of {r["frames"]} '
                  'frames; left out of the best figure')
    if valid:
        tag, r = max(valid, key=lambda tr: tr[1]['fps'])
        print(f'best: {r["fps"]:.1f} frames/s ({tag}); target >= 30; '
              f'py-feat reports {PY_FEAT_FPS} frames/s on CPU')
    return rows


def peak_rss_mib() -> float:
    """This process's peak resident set size in MiB (Linux: KiB units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / \
                2**20


def memory_child(args) -> None:
    """Run one video in this process and print a JSON line of RSS figures
    (called by :func:`memory` in a fresh interpreter)."""
    import torch
    torch.set_num_threads(args.threads)
    inf = build_inferencer(args.config, args.checkpoint, args.detectors[0],
                           args.detect_every[0], 'torch', None, args.threads)
    rss_ready = current_rss_mib()
    r = run_video(inf, args.video, args.batch_size, args.every)
    print('MEMORY ' + json.dumps(dict(
        rss_ready=rss_ready, rss_end=current_rss_mib(),
        peak=peak_rss_mib(), frames=r['frames'], fps=r['fps'])))


def memory(args, tmp: str) -> list:
    fps, (w, h) = 25, args.memory_size
    minutes = (0.1, 1.0) if args.small else (1.0, 10.0)
    rows, results = [], []
    for m in minutes:
        video = make_source_video(args.source,
                                  osp.join(tmp, f'memory_{m:g}min.mp4'),
                                  int(m * 60 * fps), w, h, fps)
        cmd = [sys.executable, osp.abspath(__file__), '--memory-child',
               '--video', video, '--config', args.config, '--threads',
               str(args.threads), '--every', str(args.every), '--detectors',
               args.detectors[0], '--detect-every',
               str(args.detect_every[0]), '--batch-size',
               str(args.batch_size)]
        if args.checkpoint:
            cmd.insert(2, args.checkpoint)
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        lines = [ln for ln in out.stdout.splitlines()
                 if ln.startswith('MEMORY ')]
        if out.returncode or not lines:
            raise RuntimeError(f'memory run on {video} failed:\n'
                               f'{out.stderr[-3000:]}')
        res = json.loads(lines[-1][len('MEMORY '):])
        results.append((m, res))
        note = (f'{w}x{h} {fps} frames/s {args.source} video, every '
                f'{args.every}th frame ({res["frames"]} processed), '
                f'{args.detectors[0]} detect_every={args.detect_every[0]}, '
                f'{args.threads} threads')
        rows.append(summary_row(BENCHMARK, f'peak_rss[{m:g}min]',
                                res['peak'], 'MiB', note))
        rows.append(summary_row(BENCHMARK, f'rss_growth[{m:g}min]',
                                res['rss_end'] - res['rss_ready'], 'MiB',
                                note + '; RSS at the end minus after '
                                'model load'))
    print(f'memory ({w}x{h}, every {args.every}th frame, '
          f'{args.detectors[0]}, {load_average()}):')
    for m, res in results:
        print(f'  {m:4g} min: {res["frames"]:5d} frames, peak RSS '
              f'{res["peak"]:.0f} MiB, RSS after model load '
              f'{res["rss_ready"]:.0f} MiB, at the end {res["rss_end"]:.0f} '
              f'MiB ({res["fps"]:.1f} frames/s)')
    return rows


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__ or 'FERInferencer '
                                'speed and memory on video')
    p.add_argument('checkpoint', nargs='?', default=None,
                   help='.pth checkpoint (default: random initialisation)')
    p.add_argument('--config', default=DEFAULT_CONFIG)
    p.add_argument('--video', help='use this video instead of the '
                   'synthetic 640x480 one')
    p.add_argument('--source', choices=['grace_hopper', 'synthface'],
                   default='grace_hopper',
                   help='synthetic video: the moving photograph or a '
                   'rendered SynthFace face')
    p.add_argument('--frames', type=int, default=250,
                   help='frames of the synthetic video (25 frames/s)')
    p.add_argument('--threads', type=int, default=2,
                   help='torch / OpenCV / ONNX Runtime threads')
    p.add_argument('--detectors', nargs='+',
                   default=['haar-video', 'mtcnn-video'],
                   choices=sorted(DETECTORS),
                   help='haar / mtcnn: the detectors\' defaults; '
                   '-video: their 640x480-video settings (faces >= 80 px)')
    p.add_argument('--detect-every', nargs='+', type=int, default=[1, 5],
                   help='detect every k frames, track in between (1: '
                   'detect every frame)')
    p.add_argument('--backends', nargs='+', default=['torch', 'onnx'],
                   choices=['torch', 'onnx'])
    p.add_argument('--batch-size', type=int, default=1)
    p.add_argument('--memory', action='store_true',
                   help='peak RSS on a 1-minute vs a 10-minute video '
                   'instead of the speed table')
    p.add_argument('--memory-size', type=int, nargs=2, default=[320, 240],
                   metavar=('W', 'H'), help='frame size of the memory '
                   'videos')
    p.add_argument('--every', type=int, default=10,
                   help='--memory: keep every N-th frame')
    p.add_argument('--memory-child', action='store_true',
                   help=argparse.SUPPRESS)
    add_summary_args(p)
    args = p.parse_args(argv)
    if args.small:
        args.frames = min(args.frames, 30)
    return args


def main(argv=None) -> list:
    args = parse_args(argv)
    if args.memory_child:
        memory_child(args)
        return []
    with tempfile.TemporaryDirectory() as tmp:
        rows = memory(args, tmp) if args.memory else speed(args, tmp)
    write_summary(args.summary_json, rows)
    return rows


if __name__ == '__main__':
    main()
