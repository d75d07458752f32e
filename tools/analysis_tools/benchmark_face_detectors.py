# Boxes, scores, eye positions and CPU time per image of mmfer's face
# detectors (Haar, MTCNN) on a real photograph:
#   OMP_NUM_THREADS=1 python tools/analysis_tools/benchmark_face_detectors.py
# Default image: matplotlib's sample_data/grace_hopper.jpg (ships inside the
# matplotlib wheel). Pass image paths to measure others; --iters sets the
# timed repetitions (after one warm-up call), --threads torch's threads;
# --small: 3 repetitions, --summary-json FILE: the ms per image of each
# detector as rows for benchmark_all.py.
import argparse
import os.path as osp
import sys
import time

import numpy as np
import torch

from mmfer.datasets.face import (HaarFaceDetector, MTCNNFaceDetector,
                                 eye_angle, read_rgb)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_summary import (add_summary_args, summary_row,  # noqa: E402
                               write_summary)


def grace_hopper() -> str:
    from matplotlib import cbook
    return str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))


def _fmt(point) -> str:
    return 'n/a' if not np.isfinite(point).all() else \
        f'({point[0]:.1f}, {point[1]:.1f})'


def measure(detector, img, iters):
    faces = detector.detect(img)                      # warm-up
    t0 = time.perf_counter()
    for _ in range(iters):
        faces = detector.detect(img)
    return faces, (time.perf_counter() - t0) / iters


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('images', nargs='*', help='default: grace_hopper.jpg')
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--threads', type=int, default=1)
    add_summary_args(p)
    a = p.parse_args(argv)
    if a.small:
        a.iters = 3
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    detectors = {'haar': HaarFaceDetector(),
                 'haar (face only)': HaarFaceDetector(find_eyes=False),
                 'mtcnn': MTCNNFaceDetector(device='cpu')}
    print(f'detectors built in {time.perf_counter() - t0:.2f} s '
          f'(torch threads: {torch.get_num_threads()})')
    rows = []
    for path in a.images or [grace_hopper()]:
        img = read_rgb(path)
        print(f'\n{path}  ({img.shape[1]} x {img.shape[0]} px)')
        for name, det in detectors.items():
            faces, sec = measure(det, img, a.iters)
            rows.append(summary_row(
                'face_detectors', f'{name} detect', sec * 1000, 'ms/image',
                f'{osp.basename(path)} {img.shape[1]}x{img.shape[0]}, '
                f'{len(faces)} face(s), {torch.get_num_threads()} '
                'torch threads'))
            print(f'  {name}: {len(faces)} face(s), {sec * 1000:.1f} ms '
                  'per image')
            for i in range(len(faces)):
                b, (le, re) = faces.boxes[i], faces.eyes[i]
                ang = eye_angle(le, re) if np.isfinite([le, re]).all() \
                    else float('nan')
                print(f'    box ({b[0]:.1f}, {b[1]:.1f}, {b[2]:.1f}, '
                      f'{b[3]:.1f})  score {faces.scores[i]:.4g}  '
                      f'left eye {_fmt(le)}  right eye {_fmt(re)}  '
                      f'eye-line angle {ang:.2f} deg')
                if np.isfinite(faces.landmarks[i, 2:]).all():
                    nose, ml, mr = faces.landmarks[i, 2:]
                    print(f'    nose {_fmt(nose)}  mouth left {_fmt(ml)}  '
                          f'mouth right {_fmt(mr)}')
    write_summary(a.summary_json, rows)
    return rows


if __name__ == '__main__':
    main()
