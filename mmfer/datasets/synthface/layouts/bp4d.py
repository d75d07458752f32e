"""BP4D-Spontaneous layout (see ``DATASETS.md``).

::

    DIR/Sequences/<Subj>/<Task>/<n>.jpg          n = first coded frame + t
    DIR/Sequences/<Subj>/<Task>/<n>.obj          only with meshes=True
    DIR/Depth/<Subj>/<Task>/<n>.png              uint16 0.1 mm (65535 = bg)
    DIR/AUCoding/AU_OCC/<Subj>_<Task>.csv        header 0..27, col "0" = frame
    DIR/AU Intensity Codes3.0/AU<kk>/<Subj>_<Task>_AU<kk>.csv  frame,int
    DIR/camera.json                              pinhole intrinsics
"""
import numpy as np

from mmfer.structures.codecs import DEPTH_BACKGROUND_MM, encode_depth

from ..constants import AU_INDEX, UNIT_MM
from ..seeding import STREAM_CLIP, make_rng
from ..video import render_clip
from .base import LayoutWriter, au_column, occurrence, round_robin
from .io import write_csv, write_json, write_png, write_rgb

BP4D_PARTS = (
    'F001 M007 F018 F008 F002 M004 F010 F009 M012 M001 F016 M014 F023 M008'
    .split(),
    'M011 F003 M010 M002 F005 F022 M018 M017 F013 M016 F020 F011 M013 M005'
    .split(),
    'F007 F015 F006 F019 M006 M009 F012 M003 F004 F021 F017 M015 F014'.split(),
)
#: Task -> elicited expression (BP4D: T1 amusement, T2 sadness, T3
#: startle, T4 embarrassment, T5 fear, T6 pain, T7 anger, T8 disgust).
BP4D_TASKS = ('happiness', 'sadness', 'surprise', 'embarrassment', 'fear',
              'pain', 'anger', 'disgust')
OCC_COLUMNS = tuple(range(28))      # "0" = frame, "k" = AU k
INTENSITY_AUS = (6, 10, 12, 14, 17)
UNKNOWN = 9


def camera_intrinsics(renderer, distance=600.0):
    """Pinhole intrinsics matching the renderer's scale at ``distance`` mm."""
    mm_per_px = UNIT_MM / renderer.canvas.px_per_unit
    f = distance / mm_per_px
    c = renderer.canvas.c
    return dict(model='pinhole', fx=f, fy=f, cx=c, cy=c,
                width=renderer.size, height=renderer.size, depth_unit='mm',
                depth_png_scale=10.0, depth_png_background=65535,
                background_mm=DEPTH_BACKGROUND_MM)


def depth_to_mesh(depth_mm, cam, step=4):
    """Back-project a depth map into a triangle mesh on a pixel grid.

    Vertex (X, Y, Z) of pixel (u, v): ``X = (u - cx) Z / fx``,
    ``Y = (v - cy) Z / fy``, ``Z = depth``; projecting the vertices with the
    same intrinsics lands on (u, v) with depth Z.

    Returns:
        tuple: vertices (V, 3) float, faces (F, 3) int (0-based), and the
        (V, 2) pixel coordinates of each vertex.
    """
    H, W = depth_mm.shape
    vs, us = np.mgrid[0:H:step, 0:W:step]                  # (h, w)
    Z = depth_mm[vs, us]
    fg = Z < DEPTH_BACKGROUND_MM - 0.5
    idx = -np.ones(Z.shape, int)
    idx[fg] = np.arange(fg.sum())
    X = (us - cam['cx']) * Z / cam['fx']
    Y = (vs - cam['cy']) * Z / cam['fy']
    verts = np.stack([X[fg], Y[fg], Z[fg]], 1)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    ok = (a >= 0) & (b >= 0) & (c >= 0) & (d >= 0)
    faces = np.concatenate([np.stack([a[ok], c[ok], b[ok]], 1),
                            np.stack([b[ok], c[ok], d[ok]], 1)])
    return verts, faces, np.stack([us[fg], vs[fg]], 1)


def write_obj(path, verts, faces):
    with open(path, 'w') as f:
        f.writelines(f'v {x:.2f} {y:.2f} {z:.2f}\n' for x, y, z in verts)
        f.writelines(f'f {a + 1} {b + 1} {c + 1}\n' for a, b, c in faces)


class BP4DLayout(LayoutWriter):
    """``--layout bp4d``: ``tasks`` tasks of ``frames`` frames per subject."""
    name = 'bp4d'
    defaults = dict(subjects=6, tasks=8, frames=16, size=112, seed=0,
                    meshes=False, mesh_step=4, unknown_rate=0.02,
                    domain='lab')
    task_expressions = BP4D_TASKS

    def __init__(self, args):
        super().__init__(args)
        n = len(self.task_expressions)
        if not 1 <= args['tasks'] <= n:
            raise ValueError(f'tasks must be in 1..{n}, got {args["tasks"]}')

    def subject_ids(self, n):
        return round_robin(BP4D_PARTS, n)

    def episodes(self, index, sid, modalities):
        """Yield (task name, clip dict, rng) for each task of a subject."""
        a = self.args
        subj = self.subject(index, sid)
        for k in range(a['tasks']):
            rng = make_rng(a['seed'], STREAM_CLIP, index, k)
            clip = render_clip(self.renderer, subj, self.task_expressions[k],
                               a['frames'], a['domain'], rng,
                               modalities=modalities)
            yield f'T{k + 1}', clip, rng

    def coded(self, values, rng, unknown_rate):
        v = np.asarray(values).astype(int).copy()
        v[rng.random(v.shape) < unknown_rate] = UNKNOWN
        return v

    def write_subject(self, root, index, sid):
        a = self.args
        cam = camera_intrinsics(self.renderer)
        for task, clip, rng in self.episodes(index, sid, ('rgb', 'depth')):
            first = int(rng.integers(100, 3000))
            frames = first + np.arange(a['frames'])
            seq = root / 'Sequences' / sid / task
            for t, n in enumerate(frames):
                write_rgb(seq / f'{n}.jpg', clip['rgb'][t])
                write_png(root / 'Depth' / sid / task / f'{n}.png',
                          encode_depth(clip['depth'][t]))
                if a['meshes']:
                    v, f, _ = depth_to_mesh(clip['depth'][t], cam,
                                            a['mesh_step'])
                    write_obj(seq / f'{n}.obj', v, f)
            au = clip['au_int']                                  # (T, 17)
            cols = [frames]
            for k in OCC_COLUMNS[1:]:
                occ = occurrence(au_column(au, k))
                cols.append(self.coded(occ, rng, a['unknown_rate'])
                            if k in AU_INDEX else occ)
            write_csv(root / 'AUCoding' / 'AU_OCC' / f'{sid}_{task}.csv',
                      np.stack(cols, 1).tolist(),
                      header=[str(k) for k in OCC_COLUMNS])
            for k in INTENSITY_AUS:
                lvl = self.coded(np.rint(au_column(au, k)), rng,
                                 a['unknown_rate'])
                write_csv(root / 'AU Intensity Codes3.0' / f'AU{k:02d}' /
                          f'{sid}_{task}_AU{k:02d}.csv',
                          np.stack([frames, lvl], 1).tolist())
        return [sid]

    def finalize(self, root, results):
        cam = camera_intrinsics(self.renderer)
        write_json(root / 'camera.json', cam)
        return dict(camera=cam, occurrence_threshold=1.0, unknown_code=UNKNOWN)
