"""Read and write Bosphorus ``.bnt`` range scans.

Bosphorus (Savran et al., "Bosphorus Database for 3D Face Analysis",
BIOID 2008) stores each scan ``bs000/bs000_E_ANGER_0.bnt`` as a subsampled
range grid with, for every grid point, its 3-D coordinates and its
normalised position in the 2-D image ``bs000_E_ANGER_0.png``. The binary
layout (little-endian, as read by the distribution's ``read_bntfile.m``):

=========  ==================  ==========================================
type       field               meaning
=========  ==================  ==========================================
uint16     rows                grid rows
uint16     cols                grid columns
float64    zmin                value marking background points
uint16     len                 length of the image name
len x u8   image_name          the 2-D image file name
uint32     N                   number of float64 values, 5 rows cols
N x f64    x, y, z, u, v       5 blocks of rows x cols, each row-major
                               with the BOTTOM row first (flipud)
=========  ==================  ==========================================

Background points hold ``zmin`` (the reference readers drop points whose
x, y and z all equal ``zmin``); :func:`write_bnt` writes ``zmin`` into all
five blocks of a background point. ``u, v`` are normalised image
coordinates in [0, 1], stored as given. mmfer reads them with ``v`` up
(image row = (1 - v) H), the VRML convention the SynthFace Bosphorus layout
writes. [U] The real release's ``v`` direction is unconfirmed: one public
MATLAB reader samples the 2-D image at row ``round(v H)`` (``v`` down);
if the depth of real scans comes out upside down against the 2-D image,
pass ``v_up=False`` (``scans_to_depth.py --v-down``).

In memory, grids are top-down (row 0 = top of the face).
"""
import os.path as osp
import struct
from dataclasses import dataclass

import numpy as np

_HEAD = struct.Struct('<HHd')      # rows, cols, zmin
_U16 = struct.Struct('<H')
_U32 = struct.Struct('<I')


@dataclass
class BNTScan:
    """A Bosphorus range scan with top-down (rows, cols) grids.

    Args:
        rows (int), cols (int): grid size.
        zmin (float): the background marker value.
        image_name (str): the 2-D image file name stored in the header.
        x, y, z (np.ndarray): (rows, cols) float64 coordinates (mm);
            background points hold ``zmin``.
        u, v (np.ndarray): (rows, cols) float64 normalised image
            coordinates (u right; v up, see the module doc).
    """
    rows: int
    cols: int
    zmin: float
    image_name: str
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        """(rows, cols) bool: points of the face (``z != zmin``)."""
        return self.z != self.zmin

    def points(self) -> np.ndarray:
        """(K, 3) float64 ``x, y, z`` of the valid points (row-major)."""
        m = self.valid
        return np.stack([self.x[m], self.y[m], self.z[m]], 1)

    def uv(self) -> np.ndarray:
        """(K, 2) float64 ``u, v`` of the valid points (same order)."""
        m = self.valid
        return np.stack([self.u[m], self.v[m]], 1)


def write_bnt(path: str, x: np.ndarray, y: np.ndarray, z: np.ndarray,
              u: np.ndarray, v: np.ndarray, zmin: float,
              image_name: str) -> None:
    """Write a Bosphorus ``.bnt`` file.

    Args:
        path (str): output ``.bnt`` file.
        x, y, z, u, v (np.ndarray): (rows, cols) float grids, row 0 = top of
            the face. Points with ``z == zmin`` or non-finite ``z`` are
            background: all five values are written as ``zmin``.
        zmin (float): background marker; it must be below every valid z
            (Bosphorus uses a large negative value, e.g. -1e9).
        image_name (str): the 2-D image's file name (ASCII), e.g.
            ``'bs000_E_ANGER_0.png'``.
    """
    grids = [np.asarray(a, np.float64) for a in (x, y, z, u, v)]
    shape = grids[2].shape
    if len(shape) != 2 or any(g.shape != shape for g in grids):
        raise ValueError(f'write_bnt({path!r}): x, y, z, u, v must be '
                         f'(rows, cols) grids of one shape, got '
                         f'{[g.shape for g in grids]}.')
    rows, cols = shape
    if rows > 65535 or cols > 65535:
        raise ValueError(f'write_bnt({path!r}): rows/cols must fit uint16, '
                         f'got {shape}.')
    bg = ~np.isfinite(grids[2]) | (grids[2] == zmin)
    if np.any(grids[2][~bg] <= zmin):
        raise ValueError(f'write_bnt({path!r}): zmin={zmin} must be below '
                         'every valid z; pass a smaller zmin (e.g. -1e9).')
    name = image_name.encode('ascii')
    with open(path, 'wb') as f:
        f.write(_HEAD.pack(rows, cols, float(zmin)))
        f.write(_U16.pack(len(name)) + name)
        f.write(_U32.pack(5 * rows * cols))
        for g in grids:
            g = np.where(bg, zmin, g)
            f.write(np.ascontiguousarray(g[::-1], '<f8').tobytes())  # flipud


def read_bnt(path: str) -> BNTScan:
    """Read a Bosphorus ``.bnt`` file into top-down grids.

    Args:
        path (str): a ``.bnt`` file.

    Returns:
        BNTScan: see the class; ``points()`` / ``uv()`` give the valid
        points.

    Raises:
        ValueError: naming ``path``, for a truncated file (short header,
            ``N != 5 rows cols`` or fewer than ``N`` float64 values).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'.bnt file not found: {path}')
    with open(path, 'rb') as f:
        buf = f.read()
    pos = _HEAD.size + _U16.size
    if len(buf) < pos:
        raise ValueError(f'{path}: truncated .bnt header ({len(buf)} '
                         'bytes); re-copy the file from the Bosphorus '
                         'distribution.')
    rows, cols, zmin = _HEAD.unpack_from(buf, 0)
    (n_name, ) = _U16.unpack_from(buf, _HEAD.size)
    if len(buf) < pos + n_name + _U32.size:
        raise ValueError(f'{path}: truncated .bnt header (image name / '
                         'value count missing); re-copy the file.')
    image_name = buf[pos:pos + n_name].decode('latin-1')
    pos += n_name
    (n, ) = _U32.unpack_from(buf, pos)
    pos += _U32.size
    if n != 5 * rows * cols:
        raise ValueError(f'{path}: corrupt .bnt header: N={n} values but '
                         f'5 x rows x cols = 5 x {rows} x {cols} = '
                         f'{5 * rows * cols}.')
    if len(buf) - pos < 8 * n:
        raise ValueError(f'{path}: truncated .bnt data: {len(buf) - pos} '
                         f'bytes for N={n} float64 values ({8 * n} bytes); '
                         're-copy the file.')
    data = np.frombuffer(buf, '<f8', count=n, offset=pos)
    x, y, z, u, v = (b[::-1].astype(np.float64)                 # top-down
                     for b in data.reshape(5, rows, cols))      # (5, R, C)
    return BNTScan(rows=rows, cols=cols, zmin=zmin, image_name=image_name,
                   x=x, y=y, z=z, u=u, v=v)
