import struct

import numpy as np
import pytest

from mmfer.datasets.scans import read_bnt, write_bnt

ZMIN = -1e9


def _scan(rows=4, cols=3):
    r, c = np.mgrid[0:rows, 0:cols].astype(float)
    x, y, z = c * 2.0, -r * 2.0, 10 * r + c  # row 0 = top of the face
    u, v = (c + 0.5) / cols, 1 - (r + 0.5) / rows
    z[0, 0] = ZMIN  # background
    return x, y, z, u, v


def test_round_trip_and_layout(tmp_path):
    x, y, z, u, v = _scan()
    path = str(tmp_path / 'bs000_E_ANGER_0.bnt')
    write_bnt(path, x, y, z, u, v, ZMIN, 'bs000_E_ANGER_0.png')
    buf = open(path, 'rb').read()
    rows, cols, zmin, n_name = struct.unpack_from('<HHdH', buf)
    assert (rows, cols, zmin, n_name) == (4, 3, ZMIN, 19)
    assert buf[14:33] == b'bs000_E_ANGER_0.png'
    (n, ) = struct.unpack_from('<I', buf, 33)
    assert n == 5 * 4 * 3 and len(buf) == 37 + 8 * n
    data = np.frombuffer(buf, '<f8', offset=37).reshape(5, 4, 3)
    # each block is stored bottom-up: its first row is the face's last row
    np.testing.assert_array_equal(data[2, 0], z[-1])
    np.testing.assert_array_equal(data[2, -1, 1:], z[0, 1:])
    # a background point is zmin in all five blocks
    np.testing.assert_array_equal(data[:, -1, 0], ZMIN)

    scan = read_bnt(path)
    assert (scan.rows, scan.cols, scan.zmin) == (4, 3, ZMIN)
    assert scan.image_name == 'bs000_E_ANGER_0.png'
    np.testing.assert_array_equal(scan.z, z)
    np.testing.assert_array_equal(scan.x[1:], x[1:])
    np.testing.assert_array_equal(scan.v[1:], v[1:])
    assert scan.valid.sum() == 11 and not scan.valid[0, 0]
    pts, uv = scan.points(), scan.uv()
    assert pts.shape == (11, 3) and uv.shape == (11, 2)
    np.testing.assert_array_equal(pts[0], [x[0, 1], y[0, 1], z[0, 1]])
    np.testing.assert_array_equal(uv[-1], [u[-1, -1], v[-1, -1]])


def test_nan_is_background(tmp_path):
    x, y, z, u, v = _scan()
    z[2, 2] = np.nan
    path = str(tmp_path / 'a.bnt')
    write_bnt(path, x, y, z, u, v, ZMIN, 'a.png')
    scan = read_bnt(path)
    assert not scan.valid[2, 2] and scan.x[2, 2] == ZMIN


def test_truncated_files(tmp_path):
    x, y, z, u, v = _scan()
    path = tmp_path / 'bs001_N_N_0.bnt'
    write_bnt(str(path), x, y, z, u, v, ZMIN, 'bs001_N_N_0.png')
    buf = path.read_bytes()
    path.write_bytes(buf[:-8])
    with pytest.raises(ValueError, match=r'bs001_N_N_0\.bnt.*truncated'):
        read_bnt(str(path))
    path.write_bytes(buf[:8])
    with pytest.raises(ValueError, match=r'bs001_N_N_0\.bnt.*truncated'):
        read_bnt(str(path))
    bad_n = bytearray(buf)
    struct.pack_into('<I', bad_n, 14 + len('bs001_N_N_0.png'), 59)
    path.write_bytes(bytes(bad_n))
    with pytest.raises(ValueError, match=r'bs001_N_N_0\.bnt.*N=59.*= 60'):
        read_bnt(str(path))


def test_writer_checks(tmp_path):
    x, y, z, u, v = _scan()
    with pytest.raises(ValueError, match='one shape'):
        write_bnt(str(tmp_path / 'a.bnt'), x[:2], y, z, u, v, ZMIN, 'a')
    with pytest.raises(ValueError, match='below every valid z'):
        write_bnt(str(tmp_path / 'a.bnt'), x, y, z, u, v, 5.0, 'a')
