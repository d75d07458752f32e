"""Bosphorus layout (Savran et al., BIOID 2008; see ``DATASETS.md``).

Read by :class:`mmfer.datasets.BosphorusDataset`::

    DIR/bs000/bs000_<CODE>_<k>.bnt    range grid (x, y, z, u, v; .bnt binary)
    DIR/bs000/bs000_<CODE>_<k>.png    its 2-D image
    DIR/bs000/bs000_<CODE>_<k>.lm3    3-D landmarks (name line, x y z line)
    DIR/camera.json

Codes: the six emotions ``E_ANGER E_DISGUST E_FEAR E_HAPPY E_SADNESS
E_SURPRISE`` and, with ``distractors=True``, scans the emotion protocol
ignores: ``N_N`` (neutral), ``YR_R10`` (neutral, head yawed 10 degrees
right), ``LFAU_12`` (lower-face AU12 alone).

The grid is the render's depth every ``grid_step`` pixels back-projected
(the pinhole of :func:`~.bp4d.camera_intrinsics`) into a scan frame x
right, y up, z toward the viewer (``z = -Z``, the camera at the origin);
background points hold ``zmin = -1e9``. ``u, v`` are the pixel centres
over the image side, ``v`` up (:func:`~.bu3dfe.pixel_tex_coords`).
"""
import numpy as np

from mmfer.structures.codecs import DEPTH_BACKGROUND_MM

from ..domains import resolve_domain
from ..expressions import sample_expression
from ..geometry import LANDMARK_NAMES
from ..seeding import STREAM_SAMPLE, make_rng
from .base import LayoutWriter
from .bp4d import camera_intrinsics
from .bu3dfe import pixel_tex_coords
from .io import write_json, write_lines, write_rgb

#: Emotion codes -> SynthFace expressions (``DATASET_CLASSES['bosphorus']``
#: order).
EMOTION_CODES = {'E_ANGER': 'anger', 'E_DISGUST': 'disgust',
                 'E_FEAR': 'fear', 'E_HAPPY': 'happiness',
                 'E_SADNESS': 'sadness', 'E_SURPRISE': 'surprise'}
#: Distractor codes: (AUs, view overrides).
DISTRACTOR_CODES = {'N_N': ({}, {}), 'YR_R10': ({}, dict(yaw=10.0)),
                    'LFAU_12': ({12: 3.0}, {})}
#: Background marker of the grids.
ZMIN = -1.0e9
#: Structured-light scanner, controlled studio: frontal, bright even light,
#: light backdrop, little noise.
BOSPHORUS_DOMAIN = dict(
    base='clean', yaw=2.0, pitch=2.0, roll=2.0, scale=(0.98, 1.02),
    shift=0.015, light_azimuth=(-15.0, 15.0), light_elevation=(50.0, 65.0),
    light_intensity=(0.8, 0.95), ambient=(0.35, 0.45), color_gain=0.05,
    blur=(0.0, 0.3), gauss_noise=(1.0, 2.0), background='flat',
    background_level=(170.0, 205.0), depth_noise=0.3)


def depth_grid(depth_mm, cam, step):
    """Back-project every ``step``-th pixel of a depth map.

    Returns:
        tuple: ``X, Y, Z`` (h, w) camera coordinates in mm (NaN on the
        background) and the (h, w) pixel ``xs, ys`` of each grid point.
    """
    H, W = depth_mm.shape
    ys, xs = np.mgrid[0:H:step, 0:W:step]                    # (h, w)
    Z = depth_mm[ys, xs].astype(np.float64)
    Z[Z >= DEPTH_BACKGROUND_MM - 0.5] = np.nan
    X = (xs - cam['cx']) * Z / cam['fx']
    Y = (ys - cam['cy']) * Z / cam['fy']
    return X, Y, Z, xs, ys


def lm3_lines(name, landmarks_px, depth_mm, cam):
    """Lines of a ``.lm3`` file: header, then per landmark on the face a
    name line and an ``x y z`` line (scan frame)."""
    S = depth_mm.shape[0]
    body = []
    for lname, (px, py) in zip(LANDMARK_NAMES, landmarks_px):
        c, r = int(round(px)), int(round(py))
        if not (0 <= r < S and 0 <= c < S):
            continue
        Z = float(depth_mm[r, c])
        if Z >= DEPTH_BACKGROUND_MM - 0.5:
            continue
        X = (px - cam['cx']) * Z / cam['fx']
        Y = (py - cam['cy']) * Z / cam['fy']
        body += [lname, f'{X:.4f} {-Y:.4f} {-Z:.4f}']
    return [f'3D landmark points for  {name}.bnt', '',
            f'{len(body) // 2} landmarks:'] + body


class BosphorusLayout(LayoutWriter):
    """``--layout bosphorus``: subjects ``bs000``.. with the six emotion
    scans (and the distractor codes)."""
    name = 'bosphorus'
    defaults = dict(subjects=10, distractors=True, size=128, grid_step=2,
                    seed=0)

    def __init__(self, args):
        super().__init__(args)
        if int(args['grid_step']) < 1:
            raise ValueError(f'grid_step must be >= 1, got '
                             f'{args["grid_step"]}')
        self.domain = resolve_domain(BOSPHORUS_DOMAIN)

    def subject_ids(self, n):
        if n > 105:
            raise ValueError(f'Bosphorus has 105 subjects, got subjects={n}')
        return [f'bs{i:03d}' for i in range(n)]

    def scans(self):
        """(code, AUs or expression, view overrides) of a subject."""
        out = [(c, e, {}) for c, e in EMOTION_CODES.items()]
        if self.args['distractors']:
            out += [(c, au, v) for c, (au, v) in DISTRACTOR_CODES.items()]
        return out

    def render_scan(self, index, sid, k):
        """Render scan ``k`` of :meth:`scans` of subject ``index``.

        Returns:
            tuple: the renderer's output dict (``rgb``, ``depth`` (S, S) mm,
            ``landmarks``, ``view``, ...) and the scan's code.
        """
        code, what, overrides = self.scans()[k]
        rng = make_rng(self.args['seed'], STREAM_SAMPLE, index, k)
        if isinstance(what, str):
            au, arousal = sample_expression(what, rng, (0.8, 1.2),
                                            p_distractor=0.1)
        else:
            au, arousal = what, None
        out = self.renderer.render(self.subject(index, sid), au, self.domain,
                                   rng, arousal=arousal,
                                   view_overrides=overrides,
                                   modalities=('rgb', 'depth'))
        return out, code

    def write_subject(self, root, index, sid):
        from mmfer.datasets.scans import write_bnt
        a = self.args
        records = []
        for k in range(len(self.scans())):
            out, code = self.render_scan(index, sid, k)
            cam = camera_intrinsics(self.renderer,
                                    out['view']['camera_distance'])
            X, Y, Z, xs, ys = depth_grid(out['depth'], cam, a['grid_step'])
            uv = pixel_tex_coords(np.stack([xs.ravel(), ys.ravel()], 1),
                                  a['size'])                  # (h*w, 2)
            z = np.where(np.isnan(Z), ZMIN, -Z)
            name = f'{sid}_{code}_0'
            write_rgb(root / sid / f'{name}.png', out['rgb'])
            write_bnt(str(root / sid / f'{name}.bnt'), np.nan_to_num(X),
                      -np.nan_to_num(Y), z, uv[:, 0].reshape(Z.shape),
                      uv[:, 1].reshape(Z.shape), ZMIN, f'{name}.png')
            write_lines(root / sid / f'{name}.lm3',
                        lm3_lines(name, out['landmarks'], out['depth'], cam))
            records.append(dict(subject=sid, code=code))
        return records

    def finalize(self, root, results):
        cam = camera_intrinsics(self.renderer)
        write_json(root / 'camera.json', cam)
        return dict(camera=cam, zmin=ZMIN)
