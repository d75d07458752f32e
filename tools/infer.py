"""Run a trained mmfer model on photos, folders and videos.

    python tools/infer.py CONFIG CHECKPOINT INPUT [--out results.csv]
        [--out-dir vis/] [--every N | --fps F] [--batch-size B]
        [--device cpu] [--detector auto|mtcnn|haar|none] [--detect-every K]
        [--detect-width W]

INPUT is an image, a video, or a folder of them. One CSV row per frame
(image) and face, OpenFace / py-feat style columns (docs/inference.md):
``frame, timestamp, face_id, success, confidence, face_x, face_y,
face_width, face_height, x_0..x_4, y_0..y_4``, one column per expression
and per AU (probabilities), ``expression``, ``has_audio``, ``input``.
Frames without a face are kept (``success=0``, empty predictions). Rows
are written as they come (a long video needs no more memory than a short
one); a progress bar with ETA goes to stderr. Extra modalities of a
multimodal model: ``--extra depth=a_depth.png`` (one image INPUT).
"""
import argparse
import logging
import os.path as osp
import sys
import time

from mmengine.config import DictAction
from mmengine.logging import print_log


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Faces, expressions and AUs of images and videos.')
    p.add_argument('config')
    p.add_argument('checkpoint', help='.pth checkpoint or .onnx export')
    p.add_argument('input', help='image, video, or folder of them')
    p.add_argument('--out', help='CSV file (default: print the CSV to '
                   'stdout)')
    p.add_argument('--out-dir', help='write annotated images / videos here')
    sel = p.add_mutually_exclusive_group()
    sel.add_argument('--every', type=int, default=1,
                     help='keep every N-th video frame')
    sel.add_argument('--fps', type=float, help='keep F video frames per '
                     'second')
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--device', default=None, help='cpu, cuda (default: cuda '
                   'if available)')
    p.add_argument('--detector', default='auto',
                   help="auto (the config's), mtcnn, haar, or none (inputs "
                   'are face crops framed like the training data)')
    p.add_argument('--detect-every', type=int, default=1,
                   help='detect faces every K video frames, track between')
    p.add_argument('--detect-width', type=int, default=0,
                   help='detect on frames scaled to this width (e.g. 320 '
                   'for 640x480 video); 0: full resolution')
    p.add_argument('--max-faces', type=int, default=None)
    p.add_argument('--window', type=int, default=None,
                   help='clip models: frames per window (default clip_len)')
    p.add_argument('--stride', type=int, default=None,
                   help='clip models: frames between windows (default '
                   'window // 2)')
    p.add_argument('--extra', nargs='+', default=[], metavar='MODALITY=FILE',
                   help='extra modalities of a multimodal model for an image '
                   'INPUT, e.g. depth=face_depth.png')
    p.add_argument('--show', action='store_true')
    p.add_argument('--no-progress', action='store_true')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='config overrides, KEY=VALUE')
    return p.parse_args(argv)


def build_inputs(args):
    if not args.extra:
        return args.input
    item = dict(rgb=args.input)
    for pair in args.extra:
        if '=' not in pair:
            raise SystemExit(f'--extra {pair!r}: write MODALITY=FILE, e.g. '
                             'depth=face_depth.png')
        key, value = pair.split('=', 1)
        item[key] = value
    return item


def main(argv=None):
    args = parse_args(argv)
    from mmfer.apis import FERInferencer, ResultCSVWriter
    detector = None if args.detector.lower() == 'none' else args.detector
    inferencer = FERInferencer(
        args.config, args.checkpoint, device=args.device, detector=detector,
        detect_every=args.detect_every, max_faces=args.max_faces,
        detect_width=args.detect_width,
        window=args.window, stride=args.stride, cfg_options=args.cfg_options)
    names = inferencer.output_names()
    out = args.out if args.out else sys.stdout
    start = time.perf_counter()
    with ResultCSVWriter(out, names['expression'], names['au']) as writer:
        for result in inferencer.iter_results(
                build_inputs(args), batch_size=args.batch_size,
                show=args.show, out_dir=args.out_dir, every=args.every,
                fps=args.fps, progress=not args.no_progress):
            writer.write(result)
    elapsed = time.perf_counter() - start
    n = max(inferencer.num_frames, 1)
    stages = ', '.join(f'{k} {v / n * 1000:.1f}'
                       for k, v in inferencer.stage_times.items())
    print_log(
        f'{inferencer.num_frames} frames/images, {writer.num_rows} rows '
        f'({writer.num_success} with a face) in {elapsed:.1f} s '
        f'({inferencer.num_frames / max(elapsed, 1e-9):.1f} frames/s); '
        f'ms per frame: {stages}'
        + (f'; {inferencer.num_skipped} unreadable files skipped'
           if inferencer.num_skipped else '')
        + (f'; rows in {osp.abspath(args.out)}' if args.out else ''),
        logger='current', level=logging.INFO)


if __name__ == '__main__':
    main()
