"""Detect the face and crop every aligned modality with the same box.

MCM Sec. 4.2: "The face regions of RGB images are detected and cropped by
the publicly available library OpenCV ... For each subject, only one
bounding box is necessary". Detection uses OpenCV's Haar cascade shipped
inside opencv-python (``cv2.data.haarcascades``), so nothing is downloaded.

One box per subject (default, as in the paper): the face is detected on
``--probe`` frames spread over the subject's clips and the median box is
used for all of them; ``--box-per clip`` / ``frame`` detect more often.
Detection is :class:`mmfer.datasets.face.HaarFaceDetector` with the
``HAAR_LAB_FRAMES`` settings (docs/face.md). No-face policy: if the cascade
finds no face on any probe frame, the box falls back to the bounding box
of the depth foreground (an aligned ``Depth/`` frame, pixels nearer than
the "no return" code), and the fallback is counted in ``boxes.json``; with
no depth either, the subject fails with an error naming it.

The box is made square and enlarged by ``--margin``, the fraction of its
longer side added on *each* side (mmfer's one margin definition,
:func:`mmfer.datasets.face.square_box`; default 0.1, i.e. a side 1.2 times
the box's -- the crop the former default ``--margin 0.2`` "of the side in
total" gave). Parts outside the image are padded (zeros; depth with the
background code, thermal with the frame's median border temperature),
then every modality is resized to ``--size`` with the interpolation of
the modality table (:func:`mmfer.datasets.face.crop_resize`: RGB and
thermal area / linear, depth nearest, so no depth is invented across the
face silhouette).

Inputs per ``--dataset``:

- ``bp4d``: ``SRC/{Sequences(2D+3D)|Sequences|BP4D-training}/<S>/<T>/<n>.jpg``
- ``bp4d_plus``: ``SRC/2D+3D/<S>/<T>/<n>.jpg`` or ``SRC/2D+3D/<S>.zip``
  (read directly from the zip, nothing is extracted beside it)
- ``disfa``: ``SRC/img/<S>/<t>.png`` (from disfa_extract_frames.py)

and aligned full-frame ``Depth/`` / ``Thermal/`` PNGs with the same
relative paths under ``--aligned`` (default SRC; written by
bp4d_depth_from_mesh.py / bp4dplus_thermal.py). Outputs, under OUT, the
same relative paths (RGB as .jpg, or .png for DISFA), ``boxes.json``
(subject/clip -> [x0, y0, x1, y1] in source pixels) and a copy of the label
folders (``AUCoding``, ``ActionUnit_Labels``).

Example::

    python tools/dataset_converters/face_crop.py --dataset bp4d \\
        --src data/BP4D --aligned data/BP4D_full --out data/BP4D_224 \\
        --modalities rgb depth --size 224
"""
import argparse
import json
import os
import os.path as osp
import shutil
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmfer.datasets.face import (HAAR_LAB_FRAMES, HaarFaceDetector,
                                 box_from_mask, crop_pad, crop_resize,
                                 median_box, square_box)
from mmfer.datasets.raw_frames import (RGB_DIRS, FrameSource, find_rgb_root,
                                       iter_clips)
from mmfer.structures.codecs import depth_code_foreground

# used by the tests through this module
__all__ = ['box_from_mask', 'crop_pad', 'median_box', 'square_box']

LABEL_DIRS = ('AUCoding', 'AU Intensity Codes3.0', 'ActionUnit_Labels',
              'IRFeatures')
Box = Tuple[float, float, float, float]


# ----------------------------------------------------------------------
# Boxes
# ----------------------------------------------------------------------
def haar_detector() -> HaarFaceDetector:
    """The face detector of this tool (offline Haar cascade, no eyes)."""
    return HaarFaceDetector(**HAAR_LAB_FRAMES, find_eyes=False)


def detect_face_haar(rgb: np.ndarray,
                     detector: Optional[HaarFaceDetector] = None
                     ) -> Optional[Box]:
    """Largest Haar face box (x0, y0, x1, y1) in pixels, or None.

    Args:
        rgb (np.ndarray): (H, W, 3) RGB or (H, W) gray uint8.
        detector (HaarFaceDetector): default :func:`haar_detector`.
    """
    faces = (detector or haar_detector()).detect(rgb)
    if len(faces) == 0:
        return None
    return tuple(float(v) for v in faces.largest().boxes[0])


def depth_foreground(depth_u16: np.ndarray) -> np.ndarray:
    """Pixels with a depth return (0 and 65535 are "no return")."""
    return depth_code_foreground(depth_u16)


# ----------------------------------------------------------------------
# Reading the frame layouts
# ----------------------------------------------------------------------
def aligned_path(aligned: str, modality: str, clip: str,
                 name: str) -> str:
    folder = 'Depth' if modality == 'depth' else 'Thermal'
    return osp.join(aligned, folder, clip, osp.splitext(name)[0] + '.png')


def read_u16(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise FileNotFoundError(
            f'aligned frame {path} is missing or unreadable; produce it with '
            'bp4d_depth_from_mesh.py / bp4dplus_thermal.py, or drop the '
            'modality from --modalities.')
    return img


def detect_box(rgb: np.ndarray, depth: Optional[np.ndarray] = None,
               detector: Optional[HaarFaceDetector] = None
               ) -> Tuple[Optional[Box], str]:
    """Face box of one frame: Haar, else the depth foreground.

    Returns:
        tuple: (box or None, method: ``'haar'``, ``'depth'`` or ``'none'``).
    """
    box = detect_face_haar(rgb, detector)
    if box is not None:
        return box, 'haar'
    if depth is not None:
        box = box_from_mask(depth_foreground(depth))
        if box is not None:
            return box, 'depth'
    return None, 'none'


# ----------------------------------------------------------------------
def run(src: str, out: str, dataset: str, aligned: Optional[str] = None,
        modalities: Sequence[str] = ('rgb', ), size: int = 224,
        margin: float = 0.1, box_per: str = 'subject', probe: int = 5,
        copy_labels: bool = True, log=print) -> Dict[str, list]:
    """Crop a dataset; returns the boxes (also written to boxes.json)."""
    aligned = aligned or src
    detector = haar_detector()
    rgb_dir = find_rgb_root(src, dataset)
    clips: Dict[str, List[Tuple[str, FrameSource]]] = {}
    for subj, clip, fs in iter_clips(src, dataset):
        clips.setdefault(subj, []).append((clip, fs))
    if not clips:
        raise FileNotFoundError(f'no frames found under {src}/{rgb_dir}')
    boxes, methods = {}, {}

    def probe_box(items: List[Tuple[str, FrameSource]], names_per: int,
                  key: str) -> Box:
        found = []
        for clip, fs in items:
            for i in np.linspace(0, len(fs.names) - 1,
                                 min(names_per, len(fs.names))).round():
                name = fs.names[int(i)]
                depth = None
                dpath = aligned_path(aligned, 'depth', clip, name)
                if osp.isfile(dpath):
                    depth = read_u16(dpath)
                box, how = detect_box(fs.read_rgb(name), depth, detector)
                if box is not None:
                    found.append(box)
                    methods[how] = methods.get(how, 0) + 1
        if not found:
            raise RuntimeError(
                f'no face found for {key} by the Haar cascade nor from a '
                'depth foreground; pass --aligned with Depth/ frames or '
                'check the frames.')
        return median_box(found)

    n_out = 0
    for subj, items in clips.items():
        if box_per == 'subject':
            per = max(1, probe // max(len(items), 1))
            subj_box = square_box(probe_box(items, per, subj), margin,
                                  integer=True)
        for clip, fs in items:
            if box_per == 'clip':
                clip_box = square_box(probe_box([(clip, fs)], probe, clip),
                                      margin, integer=True)
            for name in fs.names:
                if box_per == 'frame':
                    box = square_box(
                        probe_box([(clip, _Single(fs, name))], 1,
                                  f'{clip}/{name}'), margin, integer=True)
                else:
                    box = subj_box if box_per == 'subject' else clip_box
                boxes.setdefault(clip, box)
                stem = osp.splitext(name)[0]
                for m in modalities:
                    if m == 'rgb':
                        img = crop_resize(fs.read_rgb(name), box, size, m)
                        ext = '.png' if dataset == 'disfa' else '.jpg'
                        dst = osp.join(out, rgb_dir, clip, stem + ext)
                        os.makedirs(osp.dirname(dst), exist_ok=True)
                        cv2.imwrite(dst, img[..., ::-1])
                    else:
                        img = crop_resize(
                            read_u16(aligned_path(aligned, m, clip, name)),
                            box, size, m)
                        dst = aligned_path(out, m, clip, name)
                        os.makedirs(osp.dirname(dst), exist_ok=True)
                        cv2.imwrite(dst, img)
                n_out += 1
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'boxes.json'), 'w') as f:
        json.dump(dict(boxes={k: list(v) for k, v in boxes.items()},
                       box_per=box_per, margin=margin, size=size,
                       detections=methods), f, indent=1)
    if copy_labels:
        for d in LABEL_DIRS:
            if osp.isdir(osp.join(src, d)) and not osp.exists(
                    osp.join(out, d)):
                shutil.copytree(osp.join(src, d), osp.join(out, d))
    log(f'face_crop: {n_out} frames of {len(clips)} subjects -> {out} '
        f'(boxes found by {methods})')
    return boxes


class _Single:
    """A FrameSource view holding one frame (for --box-per frame)."""

    def __init__(self, fs: FrameSource, name: str):
        self.fs, self.names = fs, [name]

    def read_rgb(self, name):
        return self.fs.read_rgb(name)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--dataset', required=True, choices=sorted(RGB_DIRS))
    p.add_argument('--src', required=True, help='dataset root as distributed')
    p.add_argument('--out', required=True, help='output root')
    p.add_argument('--aligned', default=None,
                   help='root of full-frame aligned Depth/ Thermal/ '
                   '(default: --src)')
    p.add_argument('--modalities', nargs='+', default=['rgb'],
                   choices=['rgb', 'depth', 'thermal'])
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--margin', type=float, default=0.1,
                   help='fraction of the box side added on each side '
                   '(default 0.1: square side = 1.2 x box side)')
    p.add_argument('--box-per', default='subject',
                   choices=['subject', 'clip', 'frame'])
    p.add_argument('--probe', type=int, default=5,
                   help='frames per subject/clip used to find the box')
    p.add_argument('--no-copy-labels', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    run(a.src, a.out, a.dataset, a.aligned, a.modalities, a.size, a.margin,
        a.box_per, a.probe, not a.no_copy_labels)


if __name__ == '__main__':
    sys.exit(main())
