"""Read and write textured triangle meshes in VRML 2.0 (BU-3DFE ``.wrl``).

BU-3DFE (Yin et al., "A 3D Facial Expression Database For Facial Behavior
Research", FG 2006) ships each scan as ``<ID>_<EXP><II><RACE>_F3D.wrl``: a
VRML 2.0 file with one textured ``IndexedFaceSet`` whose texture is the 2-D
image ``..._F2D.bmp``. The layout :func:`write_vrml` produces (and the
subset of VRML :func:`read_vrml` understands)::

    #VRML V2.0 utf8
    Transform { children [
      Shape {
        appearance Appearance {
          texture ImageTexture { url "F0001_AN01WH_F2D.bmp" } }
        geometry IndexedFaceSet {
          ccw TRUE  solid FALSE
          coord DEF co Coordinate { point [ x y z, x y z, ... ] }
          coordIndex [ a, b, c, -1, ... ]
          texCoord DEF tc TextureCoordinate { point [ u v, ... ] }
          texCoordIndex [ a, b, c, -1, ... ]
        } } ] }

The reader tolerates what real exports add: nesting under
``Transform``/``Group``, ``DEF`` names, optional fields (``normal Normal {
vector [...] }``, ``ccw``, ``solid``, ``creaseAngle``, ...), commas or none,
``#`` comments, gzip compression, polygons with more than 3 corners
(fan-triangulated), a missing final ``-1`` and several ``IndexedFaceSet``
nodes (concatenated).

Texture coordinates follow VRML: ``u`` to the right, ``v`` UP, both in
[0, 1]; the image row of ``v`` is ``(1 - v) H``.
"""
import gzip
import os.path as osp
import re
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

VRML_HEADER = '#VRML V2.0 utf8'


@dataclass
class ScanMesh:
    """A triangulated, optionally textured 3-D scan.

    Args:
        vertices (np.ndarray): (N, 3) float64 coordinates (mm).
        faces (np.ndarray): (M, 3) int64 0-based vertex indices.
        tex_coords (np.ndarray, optional): (N, 2) float64 per-vertex
            texture coordinates (u right, v up, in [0, 1]), or None.
        texture_url (str, optional): the ``ImageTexture`` url (the 2-D
            image's file name), or None.
    """
    vertices: np.ndarray
    faces: np.ndarray
    tex_coords: Optional[np.ndarray] = None
    texture_url: Optional[str] = None


def _fmt_rows(arr: np.ndarray, fmt: str, indent: str, sep: str = ' ') -> str:
    """Rows of ``arr`` as ``indent v<sep>v<sep>v,`` lines (one % format)."""
    if len(arr) == 0:
        return ''
    line = indent + sep.join([fmt] * arr.shape[1]) + ',\n'
    return (line * len(arr)) % tuple(arr.ravel().tolist())


def write_vrml(path: str,
               vertices: np.ndarray,
               faces: np.ndarray,
               tex_coords: Optional[np.ndarray] = None,
               texture_url: Optional[str] = None) -> None:
    """Write a triangle mesh as a BU-3DFE-style VRML 2.0 file.

    Args:
        path (str): output ``.wrl`` file.
        vertices (np.ndarray): (N, 3) float coordinates in mm.
        faces (np.ndarray): (M, 3) int 0-based vertex indices.
        tex_coords (np.ndarray, optional): (N, 2) per-vertex texture
            coordinates in [0, 1] (u right, v up: image row = (1 - v) H).
            ``texCoordIndex`` then repeats ``coordIndex``. Defaults to None
            (no ``texCoord``).
        texture_url (str, optional): ``ImageTexture`` url, e.g.
            ``'F0001_AN01WH_F2D.bmp'``. Defaults to None (no appearance).
    """
    vertices = np.asarray(vertices, np.float64)
    faces = np.asarray(faces, np.int64)
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise ValueError(f'write_vrml({path!r}): vertices must be (N, 3), '
                         f'got {vertices.shape}.')
    if faces.ndim != 2 or faces.shape[1] != 3:
        raise ValueError(f'write_vrml({path!r}): faces must be (M, 3) '
                         f'triangles, got {faces.shape}.')
    if not np.isfinite(vertices).all():
        raise ValueError(f'write_vrml({path!r}): vertices contain NaN/inf; '
                         'drop those vertices (and their faces) first.')
    if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise ValueError(f'write_vrml({path!r}): face indices must be in '
                         f'[0, {len(vertices)}), got [{faces.min()}, '
                         f'{faces.max()}].')
    if tex_coords is not None:
        tex_coords = np.asarray(tex_coords, np.float64)
        if tex_coords.shape != (len(vertices), 2):
            raise ValueError(f'write_vrml({path!r}): tex_coords must be '
                             f'(N, 2) = ({len(vertices)}, 2), got '
                             f'{tex_coords.shape}.')
    index = np.concatenate([faces, -np.ones((len(faces), 1), np.int64)],
                           1)  # (M, 4) a b c -1
    ind = ' ' * 10
    parts = [VRML_HEADER, '', 'Transform {', '  children [', '    Shape {']
    if texture_url is not None:
        parts += ['      appearance Appearance {',
                  f'        texture ImageTexture {{ url "{texture_url}" }}',
                  '      }']
    parts += ['      geometry IndexedFaceSet {', '        ccw TRUE',
              '        solid FALSE', '        coord DEF co Coordinate {',
              '          point [']
    body = '\n'.join(parts) + '\n'
    body += _fmt_rows(vertices, '%.6f', ind + '  ')
    body += ind + ']\n        }\n        coordIndex [\n'
    body += _fmt_rows(index, '%d', ind, ', ')
    body += '        ]\n'
    if tex_coords is not None:
        body += ('        texCoord DEF tc TextureCoordinate {\n'
                 f'{ind}point [\n')
        body += _fmt_rows(tex_coords, '%.6f', ind + '  ')
        body += ind + ']\n        }\n        texCoordIndex [\n'
        body += _fmt_rows(index, '%d', ind, ', ')
        body += '        ]\n'
    body += '      }\n    }\n  ]\n}\n'
    with open(path, 'w') as f:
        f.write(body)


# (keyword, anchored pattern up to the opening "[") of each parsed field
_COORD = ('coord', re.compile(r'coord\s+(?:DEF\s+\S+\s+)?Coordinate'
                              r'\s*\{\s*point\s*\['))
_TEXCOORD = ('texCoord', re.compile(
    r'texCoord\s+(?:DEF\s+\S+\s+)?TextureCoordinate\s*\{\s*point\s*\['))
_COORD_INDEX = ('coordIndex', re.compile(r'coordIndex\s*\['))
_TEX_INDEX = ('texCoordIndex', re.compile(r'texCoordIndex\s*\['))
_URL = re.compile(r'\burl\s*\[?\s*"([^"]*)"')
_COMMENT = re.compile(r'#[^\n]*')


def _numbers(block: str, dtype, path: str, what: str) -> np.ndarray:
    """Parse a bracket's content (numbers separated by spaces/commas).

    ``np.fromstring`` parses in C; a token it cannot read (which numpy only
    warns about, returning the numbers before it) is turned into an error.
    """
    text = block.replace(',', ' ')
    if not text.strip():
        return np.zeros(0, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        try:
            arr = np.fromstring(text, dtype=np.float64, sep=' ')
        except (ValueError, DeprecationWarning) as e:
            raise ValueError(f'{path}: non-numeric value in {what} [...] '
                             f'({e}); the file is corrupt.') from None
    if what.lower().endswith('index'):
        if not np.all(np.isfinite(arr) & (arr == np.rint(arr))):
            raise ValueError(f'{path}: non-integer values in {what}; the '
                             'file is corrupt.')
    return arr.astype(dtype)


def _block(seg: str, field: Tuple[str, re.Pattern], path: str):
    """Content of the ``[...]`` of the first ``field`` in ``seg``.

    ``field = (keyword, pattern)``: the keyword is located with
    ``str.find`` (fast on multi-MB files) and only the few characters after
    it are matched by the anchored pattern, which ends at the opening
    ``[``.

    Returns:
        str or None: the text between ``[`` and ``]``, or None if absent.
    """
    key, node = field
    start = 0
    while True:
        i = seg.find(key, start)
        if i < 0:
            return None
        if i > 0 and (seg[i - 1].isalnum() or seg[i - 1] == '_'):
            start = i + 1               # part of a longer name
            continue
        m = node.match(seg, i, i + 200)
        if m is None:
            start = i + 1
            continue
        j = seg.find(']', m.end())
        if j < 0:
            raise ValueError(f'{path}: {key} [ ... has no closing "]"; '
                             'the file is truncated.')
        return seg[m.end():j]


def _triangulate(index: np.ndarray, path: str, what: str) -> np.ndarray:
    """``a b c -1 a b c d -1 ...`` -> (M, 3) fan triangles."""
    if len(index) and index[-1] != -1:
        index = np.append(index, -1)
    ends = np.flatnonzero(index == -1)                       # (P,)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lengths = ends - starts
    if np.any((lengths > 0) & (lengths < 3)):
        raise ValueError(f'{path}: {what} has a polygon with fewer than 3 '
                         'corners; the mesh is corrupt.')
    tris = []
    order = []
    for n in np.unique(lengths[lengths > 0]):      # "-1 -1": empty, skipped
        first = np.flatnonzero(lengths == n)                 # (P_n,)
        s = starts[first]
        k = np.arange(1, n - 1)                              # fan (0, k, k+1)
        fan = np.stack([np.repeat(index[s, None], n - 2, 1),
                        index[s[:, None] + k], index[s[:, None] + k + 1]],
                       -1)                                   # (P_n, n-2, 3)
        tris.append(fan.reshape(-1, 3))
        order.append(np.repeat(first, n - 2))
    if not tris:
        return np.zeros((0, 3), np.int64)
    # triangles in the file's polygon order
    keep = np.argsort(np.concatenate(order), kind='stable')
    return np.concatenate(tris)[keep].astype(np.int64)


def read_vrml(path: str) -> ScanMesh:
    """Read a (BU-3DFE) VRML 2.0 mesh.

    Points and indices are parsed with numpy on each ``[...]`` block's
    content (a 100k-vertex scan reads in about a second, 30k in 0.25 s).

    Texture coordinates are returned per vertex. When ``texCoordIndex``
    equals ``coordIndex`` (BU-3DFE), or is absent (VRML then indexes
    ``texCoord`` with ``coordIndex``), this is exact. When it differs
    (e.g. seams with two UVs for one vertex), each vertex takes the UV of
    the last polygon corner that references it.

    Args:
        path (str): a ``.wrl`` file.

    Returns:
        ScanMesh: vertices (N, 3) float64, faces (M, 3) int64 (polygons
        fan-triangulated), tex_coords (N, 2) or None, texture_url or None.

    Raises:
        ValueError: naming ``path``, for a file that is not VRML 2.0, has no
            ``Coordinate`` points or ``coordIndex``, NaN coordinates, face
            indices out of range, or texture coordinates that do not cover
            the vertices.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'VRML file not found: {path}')
    with open(path, 'rb') as f:
        raw = f.read()
    if raw[:2] == b'\x1f\x8b':                  # VRML allows gzipped files
        raw = gzip.decompress(raw)
    text = raw.decode('utf-8', errors='replace')
    if not text.startswith('#VRML V2.0'):
        raise ValueError(f'{path}: not a VRML 2.0 file (first line '
                         f'{text[:40].splitlines()[0] if text else ""!r}, '
                         f'expected {VRML_HEADER!r}).')
    url = _URL.search(text)
    texture_url = url.group(1) if url else None
    text = _COMMENT.sub('', text)

    verts, faces, uvs = [], [], []
    has_tex = True
    offset = 0
    segments = text.split('IndexedFaceSet')[1:]
    if not segments:
        raise ValueError(f'{path}: no IndexedFaceSet; expected a BU-3DFE '
                         'style mesh (coord Coordinate { point [...] }, '
                         'coordIndex [...]).')
    for seg in segments:
        m_pt = _block(seg, _COORD, path)
        m_ix = _block(seg, _COORD_INDEX, path)
        for block, name in ((m_pt, 'coord Coordinate { point [...] }'),
                            (m_ix, 'coordIndex [...]')):
            if block is None:
                raise ValueError(f'{path}: IndexedFaceSet without {name}; '
                                 'the file is truncated or not a mesh.')
        pts = _numbers(m_pt, np.float64, path, 'point')
        if pts.size % 3:
            raise ValueError(f'{path}: Coordinate point count '
                             f'{pts.size} is not a multiple of 3; the file '
                             'is truncated or corrupt.')
        pts = pts.reshape(-1, 3)                              # (N, 3)
        if not np.isfinite(pts).all():
            bad = int(np.flatnonzero(~np.isfinite(pts).all(1))[0])
            raise ValueError(f'{path}: vertex {bad} has NaN/inf '
                             'coordinates; repair or re-export the mesh.')
        cidx = _numbers(m_ix, np.int64, path, 'coordIndex')
        tri = _triangulate(cidx, path, 'coordIndex')
        if tri.size and (tri.min() < 0 or tri.max() >= len(pts)):
            raise ValueError(
                f'{path}: coordIndex refers to vertex {int(tri.max())} but '
                f'only {len(pts)} vertices are defined (missing vertices or '
                'indices out of range); the file is truncated or corrupt.')
        m_tc = _block(seg, _TEXCOORD, path)
        m_ti = _block(seg, _TEX_INDEX, path)
        uv = None
        if m_tc is not None:
            tc = _numbers(m_tc, np.float64, path, 'point')
            if tc.size % 2:
                raise ValueError(f'{path}: TextureCoordinate has an odd '
                                 'number of values; the file is corrupt.')
            tc = tc.reshape(-1, 2)                            # (T, 2)
            tidx = cidx if m_ti is None else _numbers(
                m_ti, np.int64, path, 'texCoordIndex')
            if len(tidx) == 0:
                tidx = cidx
            if tidx.shape != cidx.shape:
                raise ValueError(
                    f'{path}: texCoordIndex has {len(tidx)} entries but '
                    f'coordIndex {len(cidx)}; they must match corner by '
                    'corner.')
            corner = cidx >= 0
            ci, ti = cidx[corner], tidx[corner]
            if ti.size and (ti.min() < 0 or ti.max() >= len(tc)):
                raise ValueError(
                    f'{path}: texCoordIndex refers to texture coordinate '
                    f'{int(ti.max())} but only {len(tc)} are defined.')
            if np.array_equal(ci, ti) and len(tc) == len(pts):
                uv = tc                                       # BU-3DFE case
            else:
                # per corner -> per vertex: the last corner wins; vertices in
                # no polygon have no UV (NaN) and cannot be placed.
                uv = np.full((len(pts), 2), np.nan)
                uv[ci] = tc[ti]
        else:
            has_tex = False
        verts.append(pts)
        faces.append(tri + offset)
        uvs.append(uv)
        offset += len(pts)
    vertices = np.concatenate(verts)
    if len(vertices) == 0:
        raise ValueError(f'{path}: the mesh has no vertices.')
    tex = np.concatenate(uvs) if has_tex else None
    return ScanMesh(vertices=vertices, faces=np.concatenate(faces),
                    tex_coords=tex, texture_url=texture_url)
