"""Render per-frame depth images from BP4D / BP4D+ 3-D meshes.

MCM Sec. 4.2: "We first project the 3D mesh into depth images matching the
visual image and then cropped the face area with the corresponding visual
bounding box." Each ``<n>.obj`` next to (or named like) the RGB frame
``<n>.jpg`` is projected into the RGB camera and rasterised with a z-buffer
(nearest surface wins, depth interpolated barycentrically inside each
triangle), giving a depth image pixel-aligned with the RGB frame.

Projection (``--projection``):

- ``camera`` (default): a pinhole camera from ``camera.json`` (``fx, fy,
  cx, cy, width, height``; optional ``R`` 3x3 and ``t`` (3,) taking mesh
  coordinates to camera coordinates, default identity). Pixel ``u = fx X/Z
  + cx``, ``v = fy Y/Z + cy``, depth ``Z`` (mesh units x ``--unit-mm``).
  Pixel centres are at integer coordinates.
- ``texture``: the BP4D meshes are textured with the 2-D frame itself, so
  each vertex's texture coordinate ``vt (s, t)`` *is* its position in the
  RGB frame (``u = s W - 0.5``, ``v = (1 - t) H - 0.5``, W x H = the RGB
  frame size); depth is ``--camera-distance - z`` (mesh z towards the
  camera, in mm x ``--unit-mm``). No calibration is needed; this is the
  mode for the real data ([U]: the orientation of z in the release; flip
  with ``--z-sign -1`` if faces come out inverted).

Output: ``OUT/Depth/<S>/<T>/<n>.png`` uint16 in 0.1 mm (mmfer's depth
encoding, :mod:`mmfer.structures.codecs`; 65535 = no surface, as are depths
at or beyond its 1500 mm far plane), at the RGB frame size, or cropped to
the RGB face box of ``--boxes`` (``boxes.json`` of face_crop.py) and resized
to ``--size`` with nearest-neighbour interpolation.

Example::

    python tools/dataset_converters/bp4d_depth_from_mesh.py \\
        --src data/BP4D --out data/BP4D_full --projection texture
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from mmfer.datasets.face import crop_resize
from mmfer.structures.codecs import encode_depth

SEQ_DIRS = ('Sequences(2D+3D)', 'Sequences', 'BP4D-training', '2D+3D')


def read_obj(path: str) -> Dict[str, np.ndarray]:
    """Read vertices, texture coordinates and triangles of a Wavefront obj.

    Polygons with more than 3 vertices are fan-triangulated; negative
    (relative) indices are resolved.

    Returns:
        dict: ``v`` (V, 3) float64, ``vt`` (T, 2) float64 (may be empty),
        ``f`` (F, 3) int vertex indices (0-based), ``ft`` (F, 3) int
        texture indices (-1 if absent).
    """
    v, vt, f, ft = [], [], [], []
    with open(path) as fh:
        for line in fh:
            if line.startswith('v '):
                v.append(line.split()[1:4])
            elif line.startswith('vt '):
                vt.append(line.split()[1:3])
            elif line.startswith('f '):
                corners = [c.split('/') for c in line.split()[1:]]
                vi = [int(c[0]) for c in corners]
                ti = [int(c[1]) if len(c) > 1 and c[1] else 0
                      for c in corners]
                for k in range(1, len(vi) - 1):
                    f.append((vi[0], vi[k], vi[k + 1]))
                    ft.append((ti[0], ti[k], ti[k + 1]))
    if not v or not f:
        raise ValueError(f'{path}: no vertices or faces; not a mesh obj?')
    V = np.asarray(v, np.float64)
    T = np.asarray(vt, np.float64).reshape(-1, 2)
    F = np.asarray(f, np.int64)
    FT = np.asarray(ft, np.int64)
    F = np.where(F < 0, len(V) + F, F - 1)               # 1-based -> 0-based
    FT = np.where(FT < 0, len(T) + FT, FT - 1)          # 0 (absent) -> -1
    if F.max() >= len(V) or F.min() < 0:
        raise ValueError(f'{path}: a face references a missing vertex.')
    return dict(v=V, vt=T, f=F, ft=FT)


def project_camera(verts: np.ndarray, cam: dict,
                   unit_mm: float = 1.0) -> Tuple[np.ndarray, np.ndarray]:
    """Pinhole projection: (V, 3) -> pixel (V, 2), depth mm (V,)."""
    R = np.asarray(cam.get('R', np.eye(3)), np.float64)
    t = np.asarray(cam.get('t', np.zeros(3)), np.float64)
    X = verts @ R.T + t                                  # (V, 3) camera
    Z = X[:, 2]
    with np.errstate(divide='ignore', invalid='ignore'):
        u = cam['fx'] * X[:, 0] / Z + cam['cx']
        vv = cam['fy'] * X[:, 1] / Z + cam['cy']
    return np.stack([u, vv], 1), Z * unit_mm


def rasterize_depth(uv: np.ndarray, depth: np.ndarray, faces: np.ndarray,
                    height: int, width: int,
                    max_pixels: int = 2_000_000) -> np.ndarray:
    """Z-buffer rasterisation of a triangle mesh, vectorised.

    Triangles are grouped by the size of their pixel bounding box (powers
    of two); each group enumerates its candidate pixels at once, keeps
    those inside the triangle (barycentric weights >= 0), interpolates the
    depth and keeps the nearest value per pixel (``np.minimum.at``).

    Args:
        uv (np.ndarray): (V, 2) pixel coordinates (x, y); pixel centres are
            integers.
        depth (np.ndarray): (V,) depth per vertex (smaller = nearer).
        faces (np.ndarray): (F, 3) vertex indices.
        height, width (int): image size.
        max_pixels (int): candidate pixels processed per chunk (memory).

    Returns:
        np.ndarray: (H, W) float32 depth, ``inf`` where no surface.

    Example:
        >>> uv = np.array([[0., 0.], [4., 0.], [0., 4.]])
        >>> d = rasterize_depth(uv, np.array([1., 1., 1.]), np.array([[0, 1, 2]]), 5, 5)
        >>> int(np.isfinite(d).sum())
        15
    """
    zbuf = np.full(height * width, np.inf, np.float64)
    tri = uv[faces]                                      # (F, 3, 2)
    tz = depth[faces]                                    # (F, 3)
    ok = np.isfinite(tri).all((1, 2)) & np.isfinite(tz).all(1) & (
        tz > 0).all(1)
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]           # (F, 2) each
    area = ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) -
            (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))  # (F,)
    ok &= np.abs(area) > 1e-12
    x0 = np.ceil(tri[..., 0].min(1) - 1e-9)
    x1 = np.floor(tri[..., 0].max(1) + 1e-9)
    y0 = np.ceil(tri[..., 1].min(1) - 1e-9)
    y1 = np.floor(tri[..., 1].max(1) + 1e-9)
    with np.errstate(invalid='ignore'):
        x0, y0 = np.maximum(x0, 0), np.maximum(y0, 0)
        x1, y1 = np.minimum(x1, width - 1), np.minimum(y1, height - 1)
        ok &= (x1 >= x0) & (y1 >= y0)
    idx = np.nonzero(ok)[0]
    side = np.maximum(x1[idx] - x0[idx], y1[idx] - y0[idx]) + 1
    bucket = np.ceil(np.log2(np.maximum(side, 1))).astype(int)
    for bk in np.unique(bucket):
        n = 1 << int(bk)
        dy, dx = np.divmod(np.arange(n * n), n)          # (n*n,)
        sel_all = idx[bucket == bk]
        step = max(1, max_pixels // (n * n))
        for s in range(0, len(sel_all), step):
            sel = sel_all[s:s + step]                    # (m,)
            px = x0[sel, None] + dx[None]                # (m, n*n)
            py = y0[sel, None] + dy[None]
            inb = (px <= x1[sel, None]) & (py <= y1[sel, None])
            A, B, C = a[sel], b[sel], c[sel]             # (m, 2)
            ar = area[sel][:, None]                      # (m, 1)
            # Barycentric weights from the signed sub-triangle areas.
            wa = ((B[:, 0, None] - px) * (C[:, 1, None] - py) -
                  (B[:, 1, None] - py) * (C[:, 0, None] - px)) / ar
            wb = ((C[:, 0, None] - px) * (A[:, 1, None] - py) -
                  (C[:, 1, None] - py) * (A[:, 0, None] - px)) / ar
            wc = 1.0 - wa - wb
            eps = -1e-9
            inside = inb & (wa >= eps) & (wb >= eps) & (wc >= eps)
            z = (wa * tz[sel, 0, None] + wb * tz[sel, 1, None] +
                 wc * tz[sel, 2, None])                  # (m, n*n)
            flat = (py * width + px)[inside].astype(np.int64)
            np.minimum.at(zbuf, flat, z[inside])
    return zbuf.reshape(height, width).astype(np.float32)


def mesh_to_depth(mesh: dict, size: Tuple[int, int], projection: str,
                  cam: Optional[dict] = None, unit_mm: float = 1.0,
                  camera_distance: float = 1000.0,
                  z_sign: float = 1.0) -> np.ndarray:
    """Depth (H, W) float32 mm (inf = none) of one mesh in the RGB frame.

    Args:
        mesh (dict): from :func:`read_obj`.
        size (tuple): (width, height) of the RGB frame.
        projection (str): ``'camera'`` or ``'texture'``.
        cam (dict): pinhole parameters (camera projection).
        unit_mm (float): mm per mesh unit.
        camera_distance (float): texture projection: depth of z = 0.
        z_sign (float): texture projection: +1 if mesh z points towards
            the camera.
    """
    W, H = size
    if projection == 'camera':
        if cam is None:
            raise ValueError('projection "camera" needs camera.json')
        uv, z = project_camera(mesh['v'], cam, unit_mm)
        faces = mesh['f']
    elif projection == 'texture':
        if len(mesh['vt']) == 0 or (mesh['ft'] < 0).any():
            raise ValueError('projection "texture" needs vt coordinates on '
                             'every face; use --projection camera')
        # Per face corner: position from vt, depth from the vertex.
        faces = np.arange(mesh['f'].size).reshape(-1, 3)
        st = mesh['vt'][mesh['ft'].ravel()]               # (3F, 2)
        uv = np.stack([st[:, 0] * W - 0.5, (1 - st[:, 1]) * H - 0.5], 1)
        zc = mesh['v'][mesh['f'].ravel(), 2]
        z = camera_distance - z_sign * zc * unit_mm
    else:
        raise ValueError(f'projection must be camera or texture, got '
                         f'{projection!r}')
    return rasterize_depth(uv, z, faces, H, W)


def _find_seq_root(src: str) -> str:
    for d in SEQ_DIRS:
        if osp.isdir(osp.join(src, d)):
            return d
    raise FileNotFoundError(f'no frame folder {SEQ_DIRS} under {src}')


def run(src: str, out: str, projection: str = 'camera',
        camera: Optional[str] = None, boxes: Optional[str] = None,
        size: int = 224, unit_mm: float = 1.0,
        camera_distance: float = 1000.0, z_sign: float = 1.0,
        log=print) -> int:
    """Convert every ``<n>.obj`` under SRC's frame folder; returns count."""
    seq = _find_seq_root(src)
    cam = None
    if projection == 'camera':
        camera = camera or osp.join(src, 'camera.json')
        if not osp.isfile(camera):
            raise FileNotFoundError(
                f'{camera} not found: the camera projection needs pinhole '
                'intrinsics (fx, fy, cx, cy, width, height); or use '
                '--projection texture.')
        with open(camera) as f:
            cam = json.load(f)
    box_map = None
    if boxes is not None:
        with open(boxes) as f:
            box_map = json.load(f)['boxes']
    count = 0
    root = osp.join(src, seq)
    for subj in sorted(os.listdir(root)):
        for task in sorted(os.listdir(osp.join(root, subj))):
            folder = osp.join(root, subj, task)
            if not osp.isdir(folder):
                continue
            for name in sorted(os.listdir(folder)):
                if not name.endswith('.obj'):
                    continue
                stem = name[:-4]
                W, H = _frame_size(folder, stem, cam)
                mesh = read_obj(osp.join(folder, name))
                depth = mesh_to_depth(mesh, (W, H), projection, cam,
                                      unit_mm, camera_distance, z_sign)
                code = encode_depth(depth)  # inf (no surface) -> 65535
                if box_map is not None:
                    key = f'{subj}/{task}'
                    if key not in box_map:
                        raise KeyError(f'{boxes} has no box for {key}')
                    code = crop_resize(code, box_map[key], size, 'depth')
                dst = osp.join(out, 'Depth', subj, task, stem + '.png')
                os.makedirs(osp.dirname(dst), exist_ok=True)
                cv2.imwrite(dst, code)
                count += 1
    if count == 0:
        raise FileNotFoundError(f'no .obj mesh found under {root}/<S>/<T>/')
    log(f'bp4d_depth_from_mesh: wrote {count} depth frames to {out}/Depth')
    return count


def _frame_size(folder: str, stem: str, cam: Optional[dict]):
    """(W, H) of the RGB frame ``stem`` (or from camera.json)."""
    if cam is not None and 'width' in cam:
        return int(cam['width']), int(cam['height'])
    for ext in ('.jpg', '.png', '.bmp'):
        path = osp.join(folder, stem + ext)
        if osp.isfile(path):
            img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            return img.shape[1], img.shape[0]
    raise FileNotFoundError(
        f'no RGB frame {osp.join(folder, stem)}.jpg to size the depth image')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--src', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--projection', default='camera',
                   choices=['camera', 'texture'])
    p.add_argument('--camera', default=None,
                   help='camera.json (default SRC/camera.json)')
    p.add_argument('--boxes', default=None,
                   help='boxes.json of face_crop.py: crop + resize')
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--unit-mm', type=float, default=1.0)
    p.add_argument('--camera-distance', type=float, default=1000.0)
    p.add_argument('--z-sign', type=float, default=1.0)
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    run(a.src, a.out, a.projection, a.camera, a.boxes, a.size, a.unit_mm,
        a.camera_distance, a.z_sign)


if __name__ == '__main__':
    sys.exit(main())
