"""BU-3DFE layout (Yin et al., FG 2006; see ``DATASETS.md``).

Read by :class:`mmfer.datasets.BU3DFEDataset`::

    DIR/<ID>/<ID>_<EXP><II><RACE>_F3D.wrl    VRML 2.0 textured mesh (mm)
    DIR/<ID>/<ID>_<EXP><II><RACE>_F2D.bmp    its texture: the 2-D image
    DIR/camera.json                          pinhole intrinsics of the render

``ID`` F0001.. / M0001.. (female / male SynthFace identities, taken in
turn), ``EXP`` AN DI FE HA SA SU with intensity ``II`` 01-04, plus
``NE00``; ``RACE`` WH BL AE AM IN LA from the identity's skin tone. A
scan's AU intensities are its expression's prototype scaled by the level
(:data:`LEVEL_SCALE`, 0.35 at 01 to 1.1 at 04; the optional and
distractor AUs are drawn once per subject and expression), so a subject's
four levels are one expression growing in intensity, as in BU-3DFE.

Mesh: the render's depth back-projected on a pixel grid
(:func:`~.bp4d.depth_to_mesh`, every ``mesh_step`` pixels), in a
BU-3DFE-like frame: x right, y up, z toward the viewer (``z = d - Z``
with ``d`` the camera distance, so the face plane is near z = 0 and the
nose tip positive). Texture coordinates are each vertex's pixel centre
over the image side, ``v`` up: ``u = (x + 0.5) / S``, ``v = 1 - (y +
0.5) / S``.
"""
from pathlib import Path

import cv2
import numpy as np

from ..domains import resolve_domain
from ..expressions import sample_expression
from ..seeding import STREAM_SAMPLE, make_rng
from .base import LayoutWriter, round_robin
from .bp4d import camera_intrinsics, depth_to_mesh
from .io import write_json

#: BU-3DFE expression codes -> SynthFace expressions (label order of
#: ``DATASET_CLASSES['bu3dfe']``), then the neutral code.
BU3DFE_CODES = {'AN': 'anger', 'DI': 'disgust', 'FE': 'fear',
                'HA': 'happiness', 'SA': 'sadness', 'SU': 'surprise'}
NEUTRAL_CODE = 'NE'
#: Race codes (White, Black, East Asian, Middle-East Asian, Indian,
#: Hispanic Latino), ordered here from light to dark typical skin tone.
RACE_CODES = ('WH', 'AE', 'AM', 'LA', 'IN', 'BL')
_RACE_LUMINANCE = (0.78, 0.70, 0.62, 0.54, 0.45)   # bucket edges, high->low
#: Intensity level -> scale of the prototype AU intensities.
LEVEL_SCALE = {1: 0.35, 2: 0.6, 3: 0.85, 4: 1.1}
#: 3dMD-like capture: frontal, diffuse light, dark backdrop, fine depth.
BU3DFE_DOMAIN = dict(
    base='clean', yaw=3.0, pitch=3.0, roll=2.0, scale=(0.98, 1.02),
    shift=0.01, light_azimuth=(-10.0, 10.0), light_elevation=(55.0, 65.0),
    light_intensity=(0.85, 0.95), ambient=(0.4, 0.5), color_gain=0.03,
    blur=(0.2, 0.5), gauss_noise=(0.5, 1.5), background='flat',
    background_level=(15.0, 35.0), depth_noise=0.2)
BU3DFE_FEMALE = tuple(f'F{i:04d}' for i in range(1, 57))
BU3DFE_MALE = tuple(f'M{i:04d}' for i in range(1, 45))


def race_code(subject) -> str:
    """BU-3DFE race code of a SynthFace identity, from its skin tone."""
    lum = float(np.mean(subject.skin_rgb))
    for code, edge in zip(RACE_CODES, _RACE_LUMINANCE):
        if lum > edge:
            return code
    return RACE_CODES[-1]


def pixel_tex_coords(pix, size):
    """(V, 2) pixel (x, y) -> texture coordinates (u right, v up) of the
    pixel centres in an image of side ``size``."""
    pix = np.asarray(pix, np.float64)
    return np.stack([(pix[:, 0] + 0.5) / size,
                     1.0 - (pix[:, 1] + 0.5) / size], 1)


def write_bmp(path, rgb):
    """Write an RGB uint8 image as a 24-bit BMP (BGR on disk, cv2)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1])):
        raise OSError(f'cv2.imwrite failed for {path}')


def scan_frame(points_cam, distance):
    """Camera (X right, Y down, Z away) -> scan frame (x right, y up, z
    toward the viewer, ``z = distance - Z``)."""
    p = np.asarray(points_cam, np.float64)
    return np.stack([p[:, 0], -p[:, 1], distance - p[:, 2]], 1)


class BU3DFELayout(LayoutWriter):
    """``--layout bu3dfe``: per subject the six expressions at
    ``intensities`` and (``neutral``) NE00."""
    name = 'bu3dfe'
    defaults = dict(subjects=10, intensities=[1, 2, 3, 4], neutral=True,
                    size=128, mesh_step=2, seed=0)

    def __init__(self, args):
        super().__init__(args)
        bad = [i for i in args['intensities'] if i not in LEVEL_SCALE]
        if bad or not args['intensities']:
            raise ValueError(f'intensities must be a non-empty subset of '
                             f'{sorted(LEVEL_SCALE)}, got '
                             f'{args["intensities"]}')
        if int(args['mesh_step']) < 1:
            raise ValueError(f'mesh_step must be >= 1, got '
                             f'{args["mesh_step"]}')
        self.domain = resolve_domain(BU3DFE_DOMAIN)

    def subject_ids(self, n):
        return round_robin((BU3DFE_FEMALE, BU3DFE_MALE), n)

    def scans(self):
        """(code, level, expression) of every scan of a subject."""
        out = [(c, lv, e) for c, e in BU3DFE_CODES.items()
               for lv in sorted(self.args['intensities'])]
        if self.args['neutral']:
            out.append((NEUTRAL_CODE, 0, 'neutral'))
        return out

    def render_scan(self, index, sid, k):
        """Render scan ``k`` of :meth:`scans` of subject ``index``.

        Returns:
            tuple: the renderer's output dict (``rgb``, ``depth`` (S, S) mm,
            ``view``, ...) and the scan's ``(code, level, expression)``.
        """
        code, level, expr = self.scans()[k]
        seed = self.args['seed']
        # one AU configuration per subject and expression (its optional and
        # distractor AUs), scaled by the level: the four levels of a subject
        # are one expression growing in intensity, as in BU-3DFE
        e = list(BU3DFE_CODES).index(code) if level else len(BU3DFE_CODES)
        au, arousal = sample_expression(
            expr, make_rng(seed, STREAM_SAMPLE, index, 1000 + e),
            intensity_range=(1.0, 1.0), p_distractor=0.1 if level else 0.0,
            jitter=0.1)
        if level:
            au = np.clip(au * LEVEL_SCALE[level], 0.0, 5.0)
            arousal *= 0.6 + 0.4 * min(LEVEL_SCALE[level], 1.0)
        rng = make_rng(seed, STREAM_SAMPLE, index, k)    # view and noise
        out = self.renderer.render(self.subject(index, sid), au, self.domain,
                                   rng, arousal=arousal,
                                   modalities=('rgb', 'depth'))
        return out, (code, level, expr)

    def write_subject(self, root, index, sid):
        from mmfer.datasets.scans import write_vrml
        a = self.args
        race = race_code(self.subject(index, sid))
        records = []
        for k in range(len(self.scans())):
            out, (code, level, expr) = self.render_scan(index, sid, k)
            dist = out['view']['camera_distance']
            cam = camera_intrinsics(self.renderer, dist)
            verts, faces, pix = depth_to_mesh(out['depth'], cam,
                                              a['mesh_step'])
            stem = f'{sid}_{code}{level:02d}{race}'
            bmp = f'{stem}_F2D.bmp'
            write_bmp(root / sid / bmp, out['rgb'])
            write_vrml(str(root / sid / f'{stem}_F3D.wrl'),
                       scan_frame(verts, dist), faces,
                       pixel_tex_coords(pix, a['size']), bmp)
            records.append(dict(subject=sid, stem=stem, expression=expr,
                                intensity=level, race=race))
        return records

    def finalize(self, root, results):
        cam = camera_intrinsics(self.renderer)
        write_json(root / 'camera.json', cam)
        return dict(camera=cam, level_scale=LEVEL_SCALE,
                    races={r[0]['subject']: r[0]['race']
                           for r in results if r})
