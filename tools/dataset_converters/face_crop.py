"""Detect the face and crop every aligned modality with the same box.

MCM Sec. 4.2: "The face regions of RGB images are detected and cropped by
the publicly available library OpenCV ... For each subject, only one
bounding box is necessary". Detection uses OpenCV's Haar cascade shipped
inside opencv-python (``cv2.data.haarcascades``), so nothing is downloaded.

One box per subject (default, as in the paper): the face is detected on
``--probe`` frames spread over the subject's clips and the median box is
used for all of them; ``--box-per clip`` / ``frame`` detect more often.
If the cascade finds no face on any probe frame, the box falls back to the
bounding box of the depth foreground (an aligned ``Depth/`` frame, pixels
nearer than the "no return" code), and the fallback is reported; with no
depth either, the subject fails with an error.

The box is enlarged by ``--margin`` (fraction of its side) and made square;
parts outside the image are padded (zeros; depth with the background code,
thermal with the frame's median border temperature), then every modality
is resized to ``--size`` (RGB: area / linear; depth and thermal: nearest,
so no depth is invented across the face silhouette).

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
import zipfile
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmfer.structures.codecs import (DEPTH_BACKGROUND_CODE,
                                     depth_code_foreground)

RGB_DIRS = {
    'bp4d': ('Sequences(2D+3D)', 'Sequences', 'BP4D-training'),
    'bp4d_plus': ('2D+3D', ),
    'disfa': ('img', ),
}
LABEL_DIRS = ('AUCoding', 'AU Intensity Codes3.0', 'ActionUnit_Labels',
              'IRFeatures')
IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')
Box = Tuple[float, float, float, float]


# ----------------------------------------------------------------------
# Boxes
# ----------------------------------------------------------------------
def haar_cascade(name: str = 'haarcascade_frontalface_default.xml'):
    """OpenCV's bundled frontal-face cascade (offline)."""
    path = osp.join(cv2.data.haarcascades, name)
    casc = cv2.CascadeClassifier(path)
    if casc.empty():
        raise FileNotFoundError(f'Cannot load the Haar cascade {path}; '
                                'reinstall opencv-python.')
    return casc


def detect_face_haar(rgb: np.ndarray,
                     cascade=None,
                     min_side: int = 240) -> Optional[Box]:
    """Largest Haar face box (x0, y0, x1, y1) in pixels, or None.

    Small images (< ``min_side``) are upscaled before detection: the
    cascade's smallest window is 24 px and it misses faces that fill a
    tiny image.

    Args:
        rgb (np.ndarray): (H, W, 3) RGB or (H, W) gray uint8.
        cascade: a ``cv2.CascadeClassifier`` (default: frontal face).
        min_side (int): upscale so that the short side is at least this.
    """
    cascade = cascade or haar_cascade()
    gray = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    scale = max(1.0, min_side / min(gray.shape[:2]))
    if scale > 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_LINEAR)
    gray = cv2.equalizeHist(gray)
    side = min(gray.shape[:2])
    faces = cascade.detectMultiScale(
        gray, scaleFactor=1.05, minNeighbors=4,
        minSize=(side // 5, side // 5))
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return (x / scale, y / scale, (x + w) / scale, (y + h) / scale)


def box_from_mask(mask: np.ndarray) -> Optional[Box]:
    """Bounding box of the largest connected component of a mask."""
    mask = np.asarray(mask, np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
    if n <= 1:
        return None
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = stats[k, :4]
    return (float(x), float(y), float(x + w), float(y + h))


def depth_foreground(depth_u16: np.ndarray) -> np.ndarray:
    """Pixels with a depth return (0 and 65535 are "no return")."""
    return depth_code_foreground(depth_u16)


def median_box(boxes: Sequence[Box]) -> Box:
    return tuple(float(v) for v in np.median(np.asarray(boxes), 0))


def square_box(box: Box, margin: float = 0.2) -> Tuple[int, int, int, int]:
    """Enlarge by ``margin`` x side, make square around the centre (ints)."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    side = max(x1 - x0, y1 - y0) * (1 + margin)
    h = side / 2
    return (int(round(cx - h)), int(round(cy - h)), int(round(cx + h)),
            int(round(cy + h)))


def crop_pad(img: np.ndarray, box: Sequence[int], fill) -> np.ndarray:
    """Crop ``img[y0:y1, x0:x1]``, padding outside the image with ``fill``."""
    x0, y0, x1, y1 = [int(v) for v in box]
    H, W = img.shape[:2]
    out = np.empty((y1 - y0, x1 - x0) + img.shape[2:], img.dtype)
    out[...] = fill
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, W), min(y1, H)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
    return out


def crop_modality(img: np.ndarray, box: Sequence[int], size: int,
                  modality: str) -> np.ndarray:
    """Crop + resize one modality (padding value and interpolation per
    modality, see the module docstring)."""
    if modality == 'rgb':
        fill = 0
        interp = cv2.INTER_AREA if box[2] - box[0] > size else \
            cv2.INTER_LINEAR
    elif modality == 'depth':
        fill, interp = DEPTH_BACKGROUND_CODE, cv2.INTER_NEAREST
    elif modality == 'thermal':
        border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
        fill, interp = np.median(border), cv2.INTER_NEAREST
    else:
        raise ValueError(f'unknown modality {modality!r}')
    crop = crop_pad(img, box, fill)
    return cv2.resize(crop, (size, size), interpolation=interp)


# ----------------------------------------------------------------------
# Reading the frame layouts
# ----------------------------------------------------------------------
def _numbered(names: Sequence[str]) -> List[str]:
    keep = [n for n in names
            if osp.splitext(n)[1].lower() in IMG_EXTS
            and osp.splitext(osp.basename(n))[0].isdigit()]
    return sorted(keep, key=lambda n: int(osp.splitext(osp.basename(n))[0]))


class FrameSource:
    """Frames of one clip from a folder or from a subject zip."""

    def __init__(self, folder: Optional[str] = None,
                 zf: Optional[zipfile.ZipFile] = None,
                 prefix: str = ''):
        self.folder, self.zf, self.prefix = folder, zf, prefix
        if zf is not None:
            names = [n[len(prefix):] for n in zf.namelist()
                     if n.startswith(prefix) and '/' not in n[len(prefix):]]
        else:
            names = os.listdir(folder)
        self.names = _numbered(names)

    def read_rgb(self, name: str) -> np.ndarray:
        if self.zf is not None:
            data = np.frombuffer(self.zf.read(self.prefix + name), np.uint8)
            src = f'{self.zf.filename}:{self.prefix + name}'
        else:
            src = osp.join(self.folder, name)
            data = np.fromfile(src, np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if img is None:
            raise ValueError(f'cannot decode frame {src}')
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def find_rgb_root(src: str, dataset: str) -> str:
    for name in RGB_DIRS[dataset]:
        if osp.isdir(osp.join(src, name)):
            return name
    raise FileNotFoundError(
        f'no RGB frame folder under {src}; looked for {RGB_DIRS[dataset]}')


def iter_clips(src: str, dataset: str
               ) -> Iterator[Tuple[str, str, FrameSource]]:
    """Yield (subject, clip relative path, FrameSource) in sorted order.

    The clip path is relative to the RGB folder: ``F001/T1`` (BP4D, BP4D+)
    or ``SN001`` (DISFA).
    """
    rgb = osp.join(src, find_rgb_root(src, dataset))
    entries = sorted(os.listdir(rgb))
    for entry in entries:
        path = osp.join(rgb, entry)
        if dataset == 'disfa':
            if osp.isdir(path):
                yield entry, entry, FrameSource(path)
        elif osp.isdir(path):
            for task in sorted(os.listdir(path)):
                if osp.isdir(osp.join(path, task)):
                    yield entry, f'{entry}/{task}', FrameSource(
                        osp.join(path, task))
        elif entry.endswith('.zip') and not osp.isdir(path[:-4]):
            subj = entry[:-4]
            zf = zipfile.ZipFile(path)
            tasks = sorted({n.split('/')[1] for n in zf.namelist()
                            if n.count('/') >= 2 and n.startswith(subj + '/')})
            for task in tasks:
                yield subj, f'{subj}/{task}', FrameSource(
                    zf=zf, prefix=f'{subj}/{task}/')


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
               cascade=None) -> Tuple[Optional[Box], str]:
    """Face box of one frame: Haar, else the depth foreground.

    Returns:
        tuple: (box or None, method: ``'haar'``, ``'depth'`` or ``'none'``).
    """
    box = detect_face_haar(rgb, cascade)
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
        margin: float = 0.2, box_per: str = 'subject', probe: int = 5,
        copy_labels: bool = True, log=print) -> Dict[str, list]:
    """Crop a dataset; returns the boxes (also written to boxes.json)."""
    aligned = aligned or src
    cascade = haar_cascade()
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
                box, how = detect_box(fs.read_rgb(name), depth, cascade)
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
            subj_box = square_box(probe_box(items, per, subj), margin)
        for clip, fs in items:
            if box_per == 'clip':
                clip_box = square_box(probe_box([(clip, fs)], probe, clip),
                                      margin)
            for name in fs.names:
                if box_per == 'frame':
                    box = square_box(
                        probe_box([(clip, _Single(fs, name))], 1,
                                  f'{clip}/{name}'), margin)
                else:
                    box = subj_box if box_per == 'subject' else clip_box
                boxes.setdefault(clip, box)
                stem = osp.splitext(name)[0]
                for m in modalities:
                    if m == 'rgb':
                        img = crop_modality(fs.read_rgb(name), box, size, m)
                        ext = '.png' if dataset == 'disfa' else '.jpg'
                        dst = osp.join(out, rgb_dir, clip, stem + ext)
                        os.makedirs(osp.dirname(dst), exist_ok=True)
                        cv2.imwrite(dst, img[..., ::-1])
                    else:
                        img = crop_modality(
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
    p.add_argument('--margin', type=float, default=0.2)
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
