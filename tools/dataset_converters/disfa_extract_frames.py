"""Extract DISFA video frames into ME-GraphAU's ``img/SN001/{t}.png`` layout.

MCM Sec. 4.1 uses DISFA's left camera. Frame ``t`` (0-based, unpadded, in
decoding order) of ``Videos_LeftCamera/LeftVideoSN001_comp.avi`` is written
to ``OUT/img/SN001/{t}.png``; the label line with frameIdx ``t + 1``
(1-based) belongs to it (see :class:`mmfer.datasets.DISFADataset`).

With ``--crop`` the face is cropped with one box per subject (OpenCV Haar
cascade with face_crop.py's settings, median over ``--probe`` frames, made
square with ``--margin`` of the box side added on each side, default 0.1;
see docs/face.md) and resized to ``--size``; without it the full frames are
written.

The number of decoded frames is compared with the label files' frame count
(4845 per subject; SN010 4844) and a mismatch is reported.

Example::

    python tools/dataset_converters/disfa_extract_frames.py \\
        --src data/DISFA --out data/DISFA --crop --size 224
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from mmfer.datasets.face import (HAAR_LAB_FRAMES, HaarFaceDetector,
                                 crop_resize, median_box, square_box)

CAMERAS = {
    'left': ('Videos_LeftCamera', 'LeftVideo{}_comp.avi'),
    'right': ('Video_RightCamera', 'RightVideo{}_comp.avi'),
}


def read_video(path: str) -> List[np.ndarray]:
    """All frames of a video as RGB uint8 arrays (clear error if none)."""
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise OSError(f'cannot open video {path}')
    frames = []
    while True:
        ok, fr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(fr, cv2.COLOR_BGR2RGB))
    cap.release()
    if not frames:
        raise OSError(f'no frame decoded from {path} (corrupt or codec '
                      'missing)')
    return frames


def label_frame_count(src: str, subj: str) -> Optional[int]:
    """Number of label lines of the subject's first AU file (or None)."""
    folder = osp.join(src, 'ActionUnit_Labels', subj)
    if not osp.isdir(folder):
        return None
    files = sorted(f for f in os.listdir(folder) if f.endswith('.txt'))
    if not files:
        return None
    with open(osp.join(folder, files[0])) as f:
        return sum(1 for line in f if line.strip())


def run(src: str, out: str, camera: str = 'left', crop: bool = False,
        size: int = 224, margin: float = 0.1, probe: int = 10,
        subjects: Optional[Sequence[str]] = None, ext: str = '.png',
        log=print) -> Dict[str, int]:
    """Extract every subject's video; returns {subject: frames written}."""
    folder, pattern = CAMERAS[camera]
    vdir = osp.join(src, folder)
    if not osp.isdir(vdir):
        raise FileNotFoundError(f'{vdir} not found (DISFA {camera} camera)')
    prefix, suffix = pattern.split('{}')
    subs = sorted(f[len(prefix):-len(suffix)] for f in os.listdir(vdir)
                  if f.startswith(prefix) and f.endswith(suffix))
    if subjects is not None:
        missing = sorted(set(subjects) - set(subs))
        if missing:
            raise FileNotFoundError(f'no {camera}-camera video for {missing}'
                                    f' in {vdir}')
        subs = [s for s in subs if s in subjects]
    counts = {}
    detector = HaarFaceDetector(**HAAR_LAB_FRAMES, find_eyes=False)
    for subj in subs:
        frames = read_video(osp.join(vdir, pattern.format(subj)))
        box = None
        if crop:
            found = [detector.detect(frames[int(i)]) for i in np.linspace(
                0, len(frames) - 1, min(probe, len(frames))).round()]
            found = [f.largest().boxes[0] for f in found if len(f)]
            if not found:
                raise RuntimeError(f'{subj}: the Haar cascade found no face '
                                   'on the probe frames; run without --crop')
            box = square_box(median_box(found), margin, integer=True)
        dst_dir = osp.join(out, 'img', subj)
        os.makedirs(dst_dir, exist_ok=True)
        for t, fr in enumerate(frames):
            if box is not None:
                fr = crop_resize(fr, box, size, 'rgb')
            cv2.imwrite(osp.join(dst_dir, f'{t}{ext}'), fr[..., ::-1])
        counts[subj] = len(frames)
        n_lab = label_frame_count(src, subj)
        if n_lab is not None and n_lab != len(frames):
            log(f'WARNING: {subj}: {len(frames)} video frames but {n_lab} '
                'label lines; unmatched labels are skipped by DISFADataset')
    log(f'disfa_extract_frames: {sum(counts.values())} frames of '
        f'{len(counts)} subjects -> {out}/img')
    return counts


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--src', required=True)
    p.add_argument('--out', default=None, help='default: --src')
    p.add_argument('--camera', default='left', choices=sorted(CAMERAS))
    p.add_argument('--crop', action='store_true')
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--margin', type=float, default=0.1,
                   help='fraction of the box side added on each side')
    p.add_argument('--subjects', nargs='+', default=None)
    p.add_argument('--ext', default='.png', choices=['.png', '.jpg'])
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    run(a.src, a.out or a.src, a.camera, a.crop, a.size, a.margin,
        subjects=a.subjects, ext=a.ext)


if __name__ == '__main__':
    sys.exit(main())
