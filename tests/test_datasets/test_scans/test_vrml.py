import numpy as np
import pytest

from mmfer.datasets.scans import read_vrml, write_vrml


def _grid_mesh(n=5):
    ys, xs = np.mgrid[0:n, 0:n].astype(float)
    verts = np.stack([xs.ravel(), ys.ravel(), (xs * ys).ravel()], 1)
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    faces = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3),
                            np.stack([b, c, d], -1).reshape(-1, 3)])
    uv = np.stack([xs.ravel() / (n - 1), 1 - ys.ravel() / (n - 1)], 1)
    return verts, faces, uv


def test_round_trip(tmp_path):
    verts, faces, uv = _grid_mesh()
    path = str(tmp_path / 'F0001_AN01WH_F3D.wrl')
    write_vrml(path, verts, faces, uv, 'F0001_AN01WH_F2D.bmp')
    text = open(path).read()
    assert text.startswith('#VRML V2.0 utf8')
    for field in ('ImageTexture', 'coordIndex', 'TextureCoordinate',
                  'texCoordIndex'):
        assert field in text
    # BU-3DFE style: "x y z," points and "a, b, c, -1," polygons
    assert '          0, 5, 1, -1,\n' in text
    assert '            0.000000 0.000000 0.000000,\n' in text
    mesh = read_vrml(path)
    assert mesh.vertices.dtype == np.float64 and mesh.faces.dtype == np.int64
    np.testing.assert_allclose(mesh.vertices, verts, atol=1e-6)
    np.testing.assert_array_equal(mesh.faces, faces)
    np.testing.assert_allclose(mesh.tex_coords, uv, atol=1e-6)
    assert mesh.texture_url == 'F0001_AN01WH_F2D.bmp'


def test_without_texture(tmp_path):
    verts, faces, _ = _grid_mesh(3)
    path = str(tmp_path / 'a.wrl')
    write_vrml(path, verts, faces)
    mesh = read_vrml(path)
    assert mesh.tex_coords is None and mesh.texture_url is None
    assert mesh.faces.shape == (8, 3)


# What real exports contain besides the writer's layout: Group nesting, DEF
# names, a normal field with its own [...] before coord, no commas, comments,
# a quad (fan-triangulated), no final -1, a second IndexedFaceSet, and a
# texCoordIndex that differs from coordIndex.
REAL_STYLE = '''#VRML V2.0 utf8
# exported by a scanner
Group { children [
 Transform { translation 0 0 0 children [
  Shape {
   appearance Appearance { material Material { diffuseColor 1 1 1 }
     texture ImageTexture { url ["M0044_SU04AE_F2D.bmp"] } }
   geometry DEF mesh IndexedFaceSet {
    creaseAngle 0.5 ccw TRUE solid FALSE
    normal Normal { vector [ 0 0 1 0 0 1 0 0 1 0 0 1 ] }
    coord DEF co Coordinate { point [ 0 0 0  1 0 0  1 1 0  0 1 2 ] }
    coordIndex [ 0 1 2 3 -1 ]  # a quad
    texCoord TextureCoordinate { point [ 0.9 0.9, 0 0, 1 0, 1 1, 0 1 ] }
    texCoordIndex [ 1 2 3 4 -1 ]
   }
  }
  Shape { geometry IndexedFaceSet {
    coord Coordinate { point [ 5 5 5, 6 5 5, 5 6 5 ] }
    coordIndex [ 0, 1, 2 ]
    texCoord TextureCoordinate { point [ 0.5 0.5, 0.6 0.5, 0.5 0.6 ] }
  } }
 ] } ] }
'''


def test_real_style_file(tmp_path):
    path = tmp_path / 'M0044_SU04AE_F3D.wrl'
    path.write_text(REAL_STYLE)
    mesh = read_vrml(str(path))
    assert mesh.texture_url == 'M0044_SU04AE_F2D.bmp'
    assert mesh.vertices.shape == (7, 3)
    assert mesh.vertices[3, 2] == 2  # coord points, not the normals
    # quad (0 1 2 3) -> fan (0 1 2), (0 2 3); 2nd set offset by 4 vertices
    np.testing.assert_array_equal(mesh.faces,
                                  [[0, 1, 2], [0, 2, 3], [4, 5, 6]])
    # per corner: vertex k takes texCoord k + 1; 2nd set uses coordIndex
    np.testing.assert_allclose(
        mesh.tex_coords,
        [[0, 0], [1, 0], [1, 1], [0, 1], [.5, .5], [.6, .5], [.5, .6]])


def test_gzipped_file(tmp_path):
    import gzip
    verts, faces, uv = _grid_mesh(3)
    path = str(tmp_path / 'a.wrl')
    write_vrml(path, verts, faces, uv)
    gz = tmp_path / 'a.wrl.gz'
    gz.write_bytes(gzip.compress(open(path, 'rb').read()))
    np.testing.assert_array_equal(read_vrml(str(gz)).faces, faces)


def test_polygons_keep_file_order(tmp_path):
    path = tmp_path / 'poly.wrl'
    path.write_text('#VRML V2.0 utf8\nShape { geometry IndexedFaceSet { '
                    'coord Coordinate { point [ 0 0 0, 1 0 0, 1 1 0, 0 1 0, '
                    '0 2 0 ] } coordIndex [ 0, 1, 2, -1, 0, 1, 2, 3, 4, -1, '
                    '-1, 2, 3, 4, -1 ] } }\n')
    # triangle, pentagon (3 fan triangles), an empty polygon, triangle
    np.testing.assert_array_equal(
        read_vrml(str(path)).faces,
        [[0, 1, 2], [0, 1, 2], [0, 2, 3], [0, 3, 4], [2, 3, 4]])


def test_fast_on_a_large_scan(tmp_path):
    import time
    rng = np.random.default_rng(0)
    verts = rng.normal(size=(30000, 3))
    faces = rng.integers(0, 30000, (60000, 3))
    path = str(tmp_path / 'big.wrl')
    write_vrml(path, verts, faces, rng.random((30000, 2)), 'big.bmp')
    t = time.perf_counter()
    mesh = read_vrml(path)
    assert time.perf_counter() - t < 2.0  # ~0.25 s; no per-token loops
    np.testing.assert_array_equal(mesh.faces, faces)


@pytest.mark.parametrize('body, message', [
    ('point [ 0 0 0, 1 nan 0, 0 1 0 ] } coordIndex [ 0 1 2 -1 ]',
     'vertex 1 has NaN'),
    ('point [ 0 0 0, 1 0 0, 0 1 0 ] } coordIndex [ 0 1 7 -1 ]',
     'refers to vertex 7 but only 3 vertices'),
    ('point [ 0 0 0, 1 0 0 ] } coordIndex [ 0 1 2 -1 ]',
     'missing vertices'),
    ('point [ 0 0 0, 1 0 0, 0 1 0 ', 'no closing'),
    ('point [ 0 0 0, 1 0 ] } coordIndex [ 0 1 2 -1 ]',
     'not a multiple of 3'),
    ('point [ 0 0 0, 1 0 x ] } coordIndex [ 0 1 2 -1 ]', 'non-numeric'),
])
def test_bad_mesh_names_file(tmp_path, body, message):
    path = tmp_path / 'F0002_HA03BL_F3D.wrl'
    path.write_text('#VRML V2.0 utf8\nShape { geometry IndexedFaceSet { '
                    'coord Coordinate { ' + body + ' } }\n')
    with pytest.raises(ValueError, match=message) as e:
        read_vrml(str(path))
    assert 'F0002_HA03BL_F3D.wrl' in str(e.value)


def test_not_vrml(tmp_path):
    path = tmp_path / 'x.wrl'
    path.write_text('#VRML V1.0 ascii\n')
    with pytest.raises(ValueError, match=r'x\.wrl.*not a VRML 2\.0'):
        read_vrml(str(path))
    with pytest.raises(FileNotFoundError, match='missing.wrl'):
        read_vrml(str(tmp_path / 'missing.wrl'))


def test_writer_rejects_bad_input(tmp_path):
    verts, faces, uv = _grid_mesh(3)
    bad = verts.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        write_vrml(str(tmp_path / 'a.wrl'), bad, faces)
    with pytest.raises(ValueError, match='face indices'):
        write_vrml(str(tmp_path / 'a.wrl'), verts, faces + 100)
    with pytest.raises(ValueError, match='tex_coords'):
        write_vrml(str(tmp_path / 'a.wrl'), verts, faces, uv[:2])
