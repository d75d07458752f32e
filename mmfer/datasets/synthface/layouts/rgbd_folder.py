"""Kinect RGB-D folder layouts: ``vtkfer`` (Kinect v1) and ``cczufer`` (v2).

Read by :class:`mmfer.datasets.RGBDFolderDataset` (``VTKFERDataset``,
``CCZUFERDataset``)::

    DIR/<S01>/<expression>/<0000>_rgb.png     RGB (BGR on disk, cv2)
    DIR/<S01>/<expression>/<0000>_depth.png   uint16 millimetres, 0 = no
                                              reading (Kinect "hole")

``expression`` is a canonical name (``anger`` ... ``neutral``). The depth
is the renderer's depth in mm with what a Kinect adds: the face sits in
the sensor's working range (``camera_distance`` of the domain), the
background is a wall rather than a far plane, and depth edges and a few
random pixels have no reading.
"""
import numpy as np

from ..constants import EXPRESSIONS
from ..expressions import sample_expression
from ..seeding import STREAM_SAMPLE, make_rng
from .base import LayoutWriter
from .io import write_png, write_rgb

#: Kinect v1 (VT-KFER): 640x480 colour, faces small (low resolution),
#: coarse noisy depth, mostly frontal, office light.
VTKFER_DOMAIN = dict(
    base='lab', yaw=8.0, pitch=6.0, roll=4.0, scale=(0.92, 1.04), shift=0.04,
    light_azimuth=(-35.0, 35.0), light_elevation=(35.0, 65.0),
    light_intensity=(0.6, 0.9), ambient=(0.25, 0.4), color_gain=0.1,
    blur=(0.4, 0.9), gauss_noise=(3.0, 6.0), jpeg_quality=(70, 88),
    lowres=(0.55, 0.75), background='gradient',
    background_level=(70.0, 130.0), depth_noise=2.5,
    camera_distance=(900.0, 1150.0))
#: Kinect v2 (CCZU-FER): sharper colour, finer depth, lab clutter, head
#: deflections (the paper: "partial occlusions or head deflections").
CCZUFER_DOMAIN = dict(
    base='lab', yaw=20.0, pitch=10.0, roll=6.0, scale=(0.94, 1.06),
    shift=0.04, light_azimuth=(-45.0, 45.0), light_elevation=(40.0, 70.0),
    light_intensity=(0.7, 0.95), ambient=(0.3, 0.45), color_gain=0.06,
    blur=(0.0, 0.5), gauss_noise=(2.0, 4.0), jpeg_quality=(80, 92),
    background='clutter', background_level=(60.0, 170.0), depth_noise=1.2,
    camera_distance=(800.0, 1000.0))


def kinect_depth_mm(depth, face, rng, wall_mm, hole_rate=0.005,
                    edge_mm=25.0):
    """Renderer depth (mm, float) -> a Kinect uint16 mm frame.

    Background pixels become a wall at ``wall_mm`` (tilted slightly),
    pixels on a depth edge steeper than ``edge_mm`` per pixel (the
    projector's shadow) and ``hole_rate`` of the others read 0.

    Args:
        depth (np.ndarray): (S, S) float32 mm, face pixels valid.
        face (np.ndarray): (S, S) bool face mask.
        rng (np.random.Generator): randomness.
        wall_mm (float): distance of the back wall.

    Returns:
        np.ndarray: (S, S) uint16 millimetres, 0 = no reading.
    """
    S = depth.shape[0]
    ramp = np.linspace(-1.0, 1.0, S, dtype=np.float32)
    wall = wall_mm + 40.0 * ramp[None, :] + 15.0 * ramp[:, None]   # (S, S)
    d = np.where(face, depth, wall)
    gy, gx = np.gradient(d)
    holes = (np.hypot(gx, gy) > edge_mm) | (rng.random(d.shape) < hole_rate)
    out = np.clip(np.rint(d), 1, 65535).astype(np.uint16)
    out[holes] = 0
    return out


class RGBDFolderLayout(LayoutWriter):
    """Base of the Kinect folder layouts: ``samples`` frames of each of the
    seven expressions per subject (``S01``, ``S02``, ...)."""
    domain = None
    wall_mm = (1800.0, 2600.0)
    defaults = dict(subjects=6, samples=2, size=96, seed=0)

    def subject_ids(self, n):
        return [f'S{i + 1:02d}' for i in range(n)]

    def write_subject(self, root, index, sid):
        a = self.args
        subj = self.subject(index, sid)
        records = []
        for label, expr in enumerate(EXPRESSIONS):
            for k in range(a['samples']):
                rng = make_rng(a['seed'], STREAM_SAMPLE, index,
                               label * a['samples'] + k)
                au, arousal = sample_expression(expr, rng)
                out = self.renderer.render(subj, au, self.domain, rng,
                                           arousal=arousal,
                                           modalities=('rgb', 'depth'))
                face = out['parsing'] != 0
                wall = float(rng.uniform(*self.wall_mm))
                depth = kinect_depth_mm(out['depth'], face, rng, wall)
                stem = f'{sid}/{expr}/{k:04d}'
                write_rgb(root / f'{stem}_rgb.png', out['rgb'])
                write_png(root / f'{stem}_depth.png', depth)
                records.append(dict(subject=sid, expression=expr,
                                    name=f'{k:04d}'))
        return records

    def finalize(self, root, results):
        return dict(classes=list(EXPRESSIONS), depth_unit='mm',
                    depth_no_reading=0,
                    rgb_pattern='{subject}/{expression}/{name}_rgb.png',
                    depth_pattern='{subject}/{expression}/{name}_depth.png')


class VTKFERLayout(RGBDFolderLayout):
    """``--layout vtkfer``: Kinect v1 look (:data:`VTKFER_DOMAIN`)."""
    name = 'vtkfer'
    domain = VTKFER_DOMAIN


class CCZUFERLayout(RGBDFolderLayout):
    """``--layout cczufer``: Kinect v2 look (:data:`CCZUFER_DOMAIN`)."""
    name = 'cczufer'
    domain = CCZUFER_DOMAIN
    wall_mm = (1500.0, 2200.0)
