"""BP4D+ (MMSE) layout (see ``DATASETS.md``), plus aligned thermal.

::

    DIR/2D+3D/<Subj>/<Task>/<n>.jpg     (or 2D+3D/<Subj>.zip with zip=True,
                                         entries <Subj>/<Task>/<n>.jpg)
    DIR/AUCoding/AU_OCC/<Subj>_<Task>.csv   header Frame,1,2,4,...,39
    DIR/AUCoding/AU_INT/AU<kk>/<Subj>_<Task>_AU<kk>.csv   frame,int
    DIR/Depth/<Subj>/<Task>/<n>.png     uint16 0.1 mm (65535 = background)
    DIR/Thermal/<Subj>/<Task>/<n>.png   uint16 centi-°C, aligned to RGB
    DIR/ThermalRaw/<Subj>/<Task>/<n>.png  false colour (JET), misaligned
    DIR/ThermalRaw/<Subj>/<Task>/legend.json  colour map °C range
    DIR/IRFeatures/<Subj>_<Task>.txt    per frame 56 floats (28 x,y), 0 0 =
                                        missing
    DIR/camera.json

Frames n are 1-based.  AUs are coded only for ``coded_tasks`` (BP4D+ codes
T1, T6, T7, T8).  ``meta.json['thermal_homography'][subj]`` is the 3x3
homography taking an RGB/aligned-thermal pixel (x, y, 1) to raw thermal
pixel coordinates.
"""
import zipfile

import cv2
import numpy as np

from mmfer.structures.codecs import encode_depth, encode_thermal

from ..geometry import LANDMARK_INDEX
from ..seeding import STREAM_LAYOUT, make_rng
from .base import au_column, occurrence
from .bp4d import INTENSITY_AUS, BP4DLayout
from .io import (encode_rgb_jpg, write_csv, write_json, write_lines,
                 write_png, write_rgb)

OCC_AUS = (1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
           22, 23, 24, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39)
#: BP4D+ tasks: T1 happiness, T2 surprise, T3 sadness, T4 startle, T5
#: skeptical, T6 embarrassment, T7 fear, T8 pain, T9 anger, T10 disgust.
BP4D_PLUS_TASKS = ('happiness', 'surprise', 'sadness', 'surprise', 'contempt',
                   'embarrassment', 'fear', 'pain', 'anger', 'disgust')
#: The 28 landmarks of IRFeatures, by SynthFace landmark name.
IR_LANDMARKS = (
    [f'{s}_brow_{i}' for s in ('left', 'right') for i in (0, 2, 4)] +
    [f'{s}_eye_{p}' for s in ('left', 'right')
     for p in ('inner', 'upper_inner', 'outer', 'lower_inner')] +
    ['nose_bridge', 'nose_tip', 'left_ala', 'right_ala', 'subnasale',
     'mouth_left', 'mouth_right', 'upper_lip_top', 'lower_lip_bottom',
     'jaw_0', 'jaw_2', 'jaw_4', 'jaw_6', 'jaw_8'])
assert len(IR_LANDMARKS) == 28
#: False-colour map of the raw thermal frames and its °C range.
LEGEND = dict(colormap='JET', cv2_colormap=int(cv2.COLORMAP_JET),
              t_min=20.0, t_max=40.0, unit='celsius',
              encoding='value = round(255 * (T - t_min) / (t_max - t_min)), '
              'then cv2.applyColorMap; saved as BGR PNG')
RAW_ASPECT = 726 / 480


def temperature_to_false_colour(temp, legend=LEGEND):
    """°C (H, W) -> BGR uint8 (H, W, 3) with the legend's colour map."""
    v = (temp - legend['t_min']) / (legend['t_max'] - legend['t_min'])
    u8 = np.clip(np.rint(255 * v), 0, 255).astype(np.uint8)
    return cv2.applyColorMap(u8, legend['cv2_colormap'])


def false_colour_to_temperature(bgr, legend=LEGEND):
    """Invert :func:`temperature_to_false_colour` by nearest palette entry.

    Returns:
        np.ndarray: (H, W) float32 °C (quantised to the 256 palette steps).
    """
    lut = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None],
                            legend['cv2_colormap'])[:, 0].astype(np.float32)
    px = bgr.reshape(-1, 1, 3).astype(np.float32)
    idx = np.argmin(((px - lut[None]) ** 2).sum(-1), 1)
    t = legend['t_min'] + idx / 255.0 * (legend['t_max'] - legend['t_min'])
    return t.reshape(bgr.shape[:2]).astype(np.float32)


def raw_thermal_geometry(seed, index, size, raw_scale):
    """Raw frame size (w, h) and the RGB -> raw homography of a subject."""
    h = int(round(size * raw_scale))
    w = int(round(h * RAW_ASPECT))
    u = make_rng(seed, STREAM_LAYOUT, 1, index).uniform(-1, 1, size=5)
    s = raw_scale * (0.85 + 0.1 * u[0])
    ang = np.deg2rad(3.0 * u[1])
    tx = (w - s * size) / 2 + 0.15 * w * u[2]
    ty = (h - s * size) / 2 + 0.08 * h * u[3]
    H = np.array([[s * np.cos(ang), -s * np.sin(ang), tx],
                  [s * np.sin(ang), s * np.cos(ang), ty],
                  [0.0, 2e-5 * u[4], 1.0]])
    return (w, h), H


class BP4DPlusLayout(BP4DLayout):
    """``--layout bp4d_plus``."""
    name = 'bp4d_plus'
    defaults = dict(subjects=3, tasks=10, frames=12, size=112, seed=0,
                    zip=False, coded_tasks=['T1', 'T6', 'T7', 'T8'],
                    unknown_rate=0.02, raw_scale=2.0, ir_missing=0.05,
                    domain='lab')
    task_expressions = BP4D_PLUS_TASKS

    def subject_ids(self, n):
        nf, nm = (n + 1) // 2, n // 2
        ids = []
        for k in range(max(nf, nm)):
            ids += [f'F{k + 1:03d}'] if k < nf else []
            ids += [f'M{k + 1:03d}'] if k < nm else []
        return ids

    def write_subject(self, root, index, sid):
        a = self.args
        (rw, rh), Hraw = raw_thermal_geometry(a['seed'], index, a['size'],
                                              a['raw_scale'])
        ir_idx = [LANDMARK_INDEX[n] for n in IR_LANDMARKS]
        zf = None
        if a['zip']:
            (root / '2D+3D').mkdir(parents=True, exist_ok=True)
            zf = zipfile.ZipFile(root / '2D+3D' / f'{sid}.zip', 'w',
                                 zipfile.ZIP_STORED)
        try:
            for task, clip, rng in self.episodes(index, sid,
                                                 ('rgb', 'depth', 'thermal')):
                frames = np.arange(1, a['frames'] + 1)
                for t, n in enumerate(frames):
                    rel = f'{sid}/{task}/{n}'
                    if zf is not None:
                        zf.writestr(f'{rel}.jpg', encode_rgb_jpg(clip['rgb'][t]))
                    else:
                        write_rgb(root / '2D+3D' / f'{rel}.jpg', clip['rgb'][t])
                    write_png(root / 'Depth' / f'{rel}.png',
                              encode_depth(clip['depth'][t]))
                    temp = clip['thermal'][t]
                    write_png(root / 'Thermal' / f'{rel}.png',
                              encode_thermal(temp))
                    raw = cv2.warpPerspective(
                        temp, Hraw, (rw, rh), flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_CONSTANT,
                        borderValue=float(np.median(temp[:2])))
                    write_png(root / 'ThermalRaw' / f'{rel}.png',
                              temperature_to_false_colour(raw))
                write_json(root / 'ThermalRaw' / sid / task / 'legend.json',
                           LEGEND)
                lm = clip['landmarks'][:, ir_idx]                  # (T, 28, 2)
                pts = np.concatenate([lm, np.ones(lm.shape[:2] + (1, ))], -1)
                proj = pts @ Hraw.T
                ir = proj[..., :2] / proj[..., 2:]
                ir[rng.random(ir.shape[:2]) < a['ir_missing']] = 0.0
                write_lines(root / 'IRFeatures' / f'{sid}_{task}.txt',
                            [' '.join(f'{v:.2f}' for v in row.ravel())
                             for row in ir])
                if task in a['coded_tasks']:
                    self._write_au(root, sid, task, frames, clip['au_int'], rng)
        finally:
            if zf is not None:
                zf.close()
        return [dict(subject=sid, homography=Hraw.tolist(),
                     raw_size=[rw, rh])]

    def _write_au(self, root, sid, task, frames, au, rng):
        a = self.args
        cols = [frames] + [self.coded(occurrence(au_column(au, k)), rng,
                                      a['unknown_rate']) for k in OCC_AUS]
        write_csv(root / 'AUCoding' / 'AU_OCC' / f'{sid}_{task}.csv',
                  np.stack(cols, 1).tolist(),
                  header=['Frame'] + [str(k) for k in OCC_AUS])
        for k in INTENSITY_AUS:
            lvl = self.coded(np.rint(au_column(au, k)), rng, a['unknown_rate'])
            write_csv(root / 'AUCoding' / 'AU_INT' / f'AU{k:02d}' /
                      f'{sid}_{task}_AU{k:02d}.csv',
                      np.stack([frames, lvl], 1).tolist())

    def finalize(self, root, results):
        extra = super().finalize(root, results)
        extra['thermal_homography'] = {r[0]['subject']: r[0]['homography']
                                       for r in results}
        extra['thermal_raw_size'] = results[0][0]['raw_size']
        extra['thermal_legend'] = LEGEND
        extra['ir_landmarks'] = list(IR_LANDMARKS)
        return extra

