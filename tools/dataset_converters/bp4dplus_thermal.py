"""BP4D+ thermal: false colour -> temperature, aligned to the RGB frame.

MCM Sec. 4.2: "Thermal images are normalized based on the original thermal
temperature data. Since the RGB camera and Thermal camera are positioned
differently ... we apply Homography Transform to align the Thermal images
with their corresponding RGB images ... For each subject, only one bounding
box is necessary for RGB and one for Thermal images." (Fig. 3).

BP4D+ does not ship radiometric data: ``Thermal/<S>/<T>.wmv`` is a
false-colour video with a burned-in °C legend (../shared/DATASETS.md). This
tool therefore

1. **inverts the colour map**: each pixel's colour is matched to the
   nearest entry of the 256-colour palette (an OpenCV colour map by name,
   or the palette sampled from the legend bar in the frame with
   ``--legend-bar``), and the palette position is mapped linearly onto the
   legend range ``[t_min, t_max]`` °C (quantisation: (t_max - t_min)/255);
   pixels inside ``--legend-mask`` boxes (the burned-in legend) are
   treated as background;
2. **estimates one homography per subject** (thermal pixel -> RGB pixel)
   on the subject's first frame:

   - ``--align box`` (the paper): from the face box in each modality; the
     RGB box is the bounding box of the depth foreground of the aligned
     ``Depth/`` frame (or the Haar face box if no depth), the thermal box
     that of the warm region (Otsu threshold on temperature, largest
     component). Four box corners give the homography (scale + shift).
   - ``--align box+ecc`` (default): the box homography refined by
     ``cv2.findTransformECC`` (MOTION_HOMOGRAPHY) between the two face
     masks, which also recovers the small rotation / perspective the boxes
     cannot see.
   - ``--align landmarks``: ``cv2.findHomography`` (RANSAC) between the IR
     landmarks of ``IRFeatures/<S>_<T>.txt`` (28 x,y per frame, (0, 0) =
     missing) and RGB landmarks given in the same format with
     ``--rgb-landmarks DIR`` (``DIR/<S>_<T>.txt``).
3. **warps** every thermal frame into the RGB frame (bilinear; outside the
   thermal field of view: the median border temperature) and writes
   ``OUT/Thermal/<S>/<T>/<n>.png`` as uint16 centi-°C (mmfer's thermal
   encoding), named after the RGB frame it belongs to.

Inputs (SRC): RGB frames ``2D+3D/<S>/<T>/<n>.jpg`` or ``2D+3D/<S>.zip``;
thermal as frames ``ThermalRaw/<S>/<T>/<n>.png`` (+ ``legend.json``:
``colormap`` (OpenCV name), ``t_min``, ``t_max``), matched to RGB by frame
number, or as the released video ``Thermal/<S>/<T>.wmv`` (or a converted
``.avi`` / ``.mp4``; a lossy codec adds colour errors), whose k-th frame
is matched to the k-th RGB frame (the cameras run at the same rate; shift
with ``--video-offset``). The homographies are saved to
``OUT/thermal_homographies.json``.

Example::

    python tools/dataset_converters/bp4dplus_thermal.py --src data/BP4D+ \\
        --aligned data/BP4D+_full --out data/BP4D+_full \\
        --colormap JET --t-range 20 40 --legend-mask 680 0 726 480
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmfer.datasets.face import (HAAR_LAB_FRAMES, HaarFaceDetector,
                                 box_from_mask)
from mmfer.datasets.raw_frames import iter_clips
from mmfer.structures.codecs import depth_code_foreground, encode_thermal

#: Released thermal videos are .wmv; converted copies may be .avi / .mp4.
VIDEO_EXTS = ('.wmv', '.avi', '.mp4')


# ----------------------------------------------------------------------
# Colour map inversion
# ----------------------------------------------------------------------
def colormap_palette(name: str) -> np.ndarray:
    """(256, 3) BGR palette of an OpenCV colour map (e.g. ``'JET'``)."""
    key = 'COLORMAP_' + str(name).upper()
    if not hasattr(cv2, key):
        valid = sorted(k[9:] for k in dir(cv2) if k.startswith('COLORMAP_'))
        raise ValueError(f'unknown colour map {name!r}; valid: {valid}')
    ramp = np.arange(256, dtype=np.uint8)[:, None]
    return cv2.applyColorMap(ramp, getattr(cv2, key))[:, 0]


def palette_from_legend_bar(frame_bgr: np.ndarray,
                            bar: Sequence[int]) -> np.ndarray:
    """(256, 3) BGR palette sampled from a vertical legend bar.

    Args:
        frame_bgr (np.ndarray): a false-colour frame.
        bar (Sequence[int]): (x0, y0, x1, y1) of the bar; top = t_max.
    """
    x0, y0, x1, y1 = [int(v) for v in bar]
    col = frame_bgr[y0:y1, x0:x1].astype(np.float32).mean(1)[::-1]  # (h, 3)
    pos = np.linspace(0, len(col) - 1, 256)
    return np.stack([np.interp(pos, np.arange(len(col)), col[:, c])
                     for c in range(3)], 1).round().astype(np.uint8)


def false_colour_to_temperature(bgr: np.ndarray, palette: np.ndarray,
                                t_min: float, t_max: float) -> np.ndarray:
    """Nearest-palette inversion of a false-colour image.

    Colours are matched once per distinct colour (a frame has a few
    thousand), so a 726 x 480 frame takes milliseconds.

    Args:
        bgr (np.ndarray): (H, W, 3) uint8 BGR false-colour image.
        palette (np.ndarray): (256, 3) BGR palette, index 0 = ``t_min``.
        t_min, t_max (float): legend range in °C.

    Returns:
        np.ndarray: (H, W) float32 °C.
    """
    flat = bgr.reshape(-1, 3).astype(np.int32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    uniq, inv = np.unique(packed, return_inverse=True)
    cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255],
                    1).astype(np.float32)                 # (U, 3)
    pal = palette.astype(np.float32)
    best = np.empty(len(cols), np.int64)
    for s in range(0, len(cols), 4096):
        d = ((cols[s:s + 4096, None] - pal[None]) ** 2).sum(-1)  # (u, 256)
        best[s:s + 4096] = d.argmin(1)
    t = t_min + best[inv.ravel()] / 255.0 * (t_max - t_min)
    return t.reshape(bgr.shape[:2]).astype(np.float32)


# ----------------------------------------------------------------------
# Alignment
# ----------------------------------------------------------------------
def warm_mask(temp: np.ndarray) -> np.ndarray:
    """Face (warm) region: Otsu threshold on temperature, largest blob."""
    valid = np.isfinite(temp)
    t = np.where(valid, temp, np.nanmin(temp[valid]))
    lo, hi = float(t.min()), float(t.max())
    u8 = np.round(255 * (t - lo) / max(hi - lo, 1e-6)).astype(np.uint8)
    thr, m = cv2.threshold(u8, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    m = m.astype(np.uint8) & valid.astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, 8)
    if n <= 1:
        return m.astype(bool)
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return lab == k


def homography_from_boxes(box_src: Sequence[float],
                          box_dst: Sequence[float]) -> np.ndarray:
    """3x3 homography taking box_src's corners onto box_dst's."""
    def corners(b):
        x0, y0, x1, y1 = b
        return np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    return cv2.getPerspectiveTransform(corners(box_src), corners(box_dst))


def refine_ecc(mask_rgb: np.ndarray, mask_t: np.ndarray,
               H_t2r: np.ndarray, iters: int = 200) -> np.ndarray:
    """Refine thermal->RGB homography by ECC between the face masks."""
    tmpl = cv2.GaussianBlur(mask_rgb.astype(np.float32), (0, 0), 1.5)
    inp = cv2.GaussianBlur(mask_t.astype(np.float32), (0, 0), 1.5)
    warp = np.linalg.inv(H_t2r).astype(np.float32)     # RGB -> thermal
    warp /= warp[2, 2]
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iters, 1e-6)
    try:
        _, warp = cv2.findTransformECC(tmpl, inp, warp,
                                       cv2.MOTION_HOMOGRAPHY, crit, None, 5)
    except cv2.error:
        return H_t2r                                   # keep the box result
    H = np.linalg.inv(warp.astype(np.float64))
    return H / H[2, 2]


def read_landmark_file(path: str) -> np.ndarray:
    """(T, 28, 2) landmarks per line (NaN where (0, 0) = missing)."""
    rows = []
    with open(path) as f:
        for line in f:
            vals = line.replace(',', ' ').split()
            if vals:
                rows.append([float(v) for v in vals])
    pts = np.asarray(rows, np.float64).reshape(len(rows), -1, 2)
    pts[(pts == 0).all(-1)] = np.nan
    return pts


def homography_from_landmarks(pts_t: np.ndarray,
                              pts_rgb: np.ndarray) -> np.ndarray:
    """RANSAC homography from corresponding (N, 2) points (NaN skipped)."""
    ok = np.isfinite(pts_t).all(1) & np.isfinite(pts_rgb).all(1)
    if ok.sum() < 4:
        raise ValueError('fewer than 4 landmark pairs are valid')
    H, _ = cv2.findHomography(pts_t[ok], pts_rgb[ok], cv2.RANSAC, 3.0)
    if H is None:
        raise ValueError('cv2.findHomography failed on the landmarks')
    return H / H[2, 2]


def rgb_face_mask(rgb: np.ndarray,
                  depth: Optional[np.ndarray]) -> Tuple[np.ndarray, str]:
    """Face mask of an RGB frame: depth foreground, else the Haar box."""
    if depth is not None:
        return depth_code_foreground(depth), 'depth'
    faces = HaarFaceDetector(**HAAR_LAB_FRAMES, find_eyes=False).detect(rgb)
    box = faces.largest().boxes[0] if len(faces) else None
    if box is None:
        raise RuntimeError('no RGB face box: Haar found no face and no '
                           'aligned Depth/ frame was given (--aligned).')
    m = np.zeros(rgb.shape[:2], bool)
    x0, y0, x1, y1 = [int(round(v)) for v in box]
    m[max(y0, 0):y1, max(x0, 0):x1] = True
    return m, 'haar'


def estimate_homography(rgb: np.ndarray, depth: Optional[np.ndarray],
                        temp: np.ndarray, method: str = 'box+ecc'
                        ) -> np.ndarray:
    """Thermal pixel -> RGB pixel homography from one frame pair."""
    m_rgb, _ = rgb_face_mask(rgb, depth)
    m_t = warm_mask(temp)
    b_rgb, b_t = box_from_mask(m_rgb), box_from_mask(m_t)
    if b_rgb is None or b_t is None:
        raise RuntimeError('empty face mask in the RGB or thermal frame')
    H = homography_from_boxes(b_t, b_rgb)
    if method == 'box+ecc':
        H = refine_ecc(m_rgb, m_t, H)
    return H


def warp_to_rgb(temp: np.ndarray, H_t2r: np.ndarray,
                size: Tuple[int, int]) -> np.ndarray:
    """Warp a temperature map into the RGB frame (W, H)."""
    border = np.concatenate([temp[0], temp[-1], temp[:, 0], temp[:, -1]])
    fill = float(np.nanmedian(border))
    t = np.where(np.isfinite(temp), temp, fill).astype(np.float32)
    return cv2.warpPerspective(t, H_t2r, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT,
                               borderValue=fill)


# ----------------------------------------------------------------------
class ThermalClip:
    """Raw false-colour thermal frames of one clip (frames or a video)."""

    def __init__(self, src: str, clip: str, video_offset: int = 0):
        self.frames_dir = osp.join(src, 'ThermalRaw', clip)
        videos = [osp.join(src, 'Thermal', clip + ext)
                  for ext in VIDEO_EXTS]
        self.video = next((v for v in videos if osp.isfile(v)), videos[0])
        self.video_offset = video_offset
        self.legend = None
        lp = osp.join(self.frames_dir, 'legend.json')
        if osp.isfile(lp):
            with open(lp) as f:
                self.legend = json.load(f)
        if osp.isdir(self.frames_dir):
            self.mode = 'frames'
        elif osp.isfile(self.video):
            self.mode = 'video'
            self._video_frames = None
        else:
            raise FileNotFoundError(
                f'no thermal data for {clip}: neither {self.frames_dir}/ '
                f'nor {self.video}')

    def get(self, rgb_names: List[str], k: int) -> Optional[np.ndarray]:
        """BGR false-colour frame matching the k-th RGB frame (or None)."""
        if self.mode == 'frames':
            stem = osp.splitext(rgb_names[k])[0]
            for cand in (stem, str(int(stem))):
                p = osp.join(self.frames_dir, cand + '.png')
                if osp.isfile(p):
                    return cv2.imread(p, cv2.IMREAD_COLOR)
            return None
        if self._video_frames is None:
            cap = cv2.VideoCapture(self.video)
            if not cap.isOpened():
                raise OSError(f'cannot open {self.video} (OpenCV needs an '
                              'FFmpeg build that decodes WMV; or convert '
                              'it to frames in ThermalRaw/ first)')
            frames = []
            while True:
                ok, fr = cap.read()
                if not ok:
                    break
                frames.append(fr)
            cap.release()
            self._video_frames = frames
        j = k + self.video_offset
        fr = self._video_frames
        return fr[j] if 0 <= j < len(fr) else None


def run(src: str, out: str, aligned: Optional[str] = None,
        align: str = 'box+ecc', colormap: Optional[str] = None,
        t_range: Optional[Sequence[float]] = None,
        legend_bar: Optional[Sequence[int]] = None,
        legend_masks: Sequence[Sequence[int]] = (),
        rgb_landmarks: Optional[str] = None, video_offset: int = 0,
        log=print) -> Dict[str, list]:
    """Convert all clips; returns {subject: homography thermal->RGB}."""
    aligned = aligned or src
    homs: Dict[str, np.ndarray] = {}
    n_out, n_missing = 0, 0
    for subj, clip, fs in iter_clips(src, 'bp4d_plus'):
        tc = ThermalClip(src, clip, video_offset)
        leg = dict(tc.legend or {})
        if colormap is not None:
            leg['colormap'] = colormap
        if t_range is not None:
            leg['t_min'], leg['t_max'] = t_range
        if 't_min' not in leg or ('colormap' not in leg and not legend_bar):
            raise ValueError(
                f'{clip}: the legend is unknown; pass --colormap (or '
                '--legend-bar) and --t-range T_MIN T_MAX as read off the '
                'burned-in legend.')
        palette = None if legend_bar else colormap_palette(leg['colormap'])

        def to_temp(bgr):
            pal = palette if palette is not None else \
                palette_from_legend_bar(bgr, legend_bar)
            t = false_colour_to_temperature(bgr, pal, leg['t_min'],
                                            leg['t_max'])
            for x0, y0, x1, y1 in legend_masks:
                t[int(y0):int(y1), int(x0):int(x1)] = np.nan
            return t

        names = fs.names
        if subj not in homs:
            k0 = next((k for k in range(len(names))
                       if tc.get(names, k) is not None), None)
            if k0 is None:
                raise FileNotFoundError(f'{clip}: no thermal frame matches '
                                        'an RGB frame')
            temp0 = to_temp(tc.get(names, k0))
            rgb0 = fs.read_rgb(names[k0])
            if align == 'landmarks':
                if rgb_landmarks is None:
                    raise ValueError('--align landmarks needs '
                                     '--rgb-landmarks DIR')
                key = clip.replace('/', '_')
                pt = read_landmark_file(
                    osp.join(src, 'IRFeatures', key + '.txt'))[k0]
                pr = read_landmark_file(
                    osp.join(rgb_landmarks, key + '.txt'))[k0]
                homs[subj] = homography_from_landmarks(pt, pr)
            else:
                dpath = osp.join(aligned, 'Depth', clip,
                                 osp.splitext(names[k0])[0] + '.png')
                depth = cv2.imread(dpath, cv2.IMREAD_UNCHANGED) \
                    if osp.isfile(dpath) else None
                homs[subj] = estimate_homography(rgb0, depth, temp0, align)
        H = homs[subj]
        size = None
        for k, name in enumerate(names):
            raw = tc.get(names, k)
            if raw is None:
                n_missing += 1
                continue
            if size is None:
                rgb = fs.read_rgb(name)
                size = (rgb.shape[1], rgb.shape[0])
            temp = warp_to_rgb(to_temp(raw), H, size)
            dst = osp.join(out, 'Thermal', clip,
                           osp.splitext(name)[0] + '.png')
            os.makedirs(osp.dirname(dst), exist_ok=True)
            cv2.imwrite(dst, encode_thermal(temp))  # centi-°C uint16
            n_out += 1
    if n_out == 0:
        raise FileNotFoundError(f'no thermal frame converted from {src}')
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'thermal_homographies.json'), 'w') as f:
        json.dump({s: h.tolist() for s, h in homs.items()}, f, indent=1)
    log(f'bp4dplus_thermal: {n_out} frames of {len(homs)} subjects -> '
        f'{out}/Thermal ({n_missing} RGB frames without a thermal frame)')
    return {s: h.tolist() for s, h in homs.items()}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--src', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--aligned', default=None,
                   help='root holding aligned full-frame Depth/ (RGB box)')
    p.add_argument('--align', default='box+ecc',
                   choices=['box', 'box+ecc', 'landmarks'])
    p.add_argument('--colormap', default=None, help='OpenCV colour map name')
    p.add_argument('--t-range', nargs=2, type=float, default=None)
    p.add_argument('--legend-bar', nargs=4, type=int, default=None)
    p.add_argument('--legend-mask', nargs=4, type=int, action='append',
                   default=[])
    p.add_argument('--rgb-landmarks', default=None)
    p.add_argument('--video-offset', type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    run(a.src, a.out, a.aligned, a.align, a.colormap, a.t_range,
        a.legend_bar, a.legend_mask, a.rgb_landmarks, a.video_offset)


if __name__ == '__main__':
    sys.exit(main())
