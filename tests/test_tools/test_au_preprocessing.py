"""MCM Sec. 4.2 preprocessing tools on SynthFace data in the real layouts.

- depth from the per-frame 3-D meshes (projection + z-buffer) must match the
  renderer's own depth map;
- the false-colour thermal frames must decode to the true temperatures,
  and the estimated thermal->RGB homography must map the IR landmarks onto
  the RGB landmarks;
- the Haar face box must find the SynthFace face, the depth foreground
  must serve as fallback, and every modality must be cropped with one box.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmfer.datasets import BP4DDataset, BP4DPlusDataset, DISFADataset
from mmfer.datasets.synthface import generate_layout
from mmfer.structures.codecs import encode_depth
from tool_scripts import load_tool


def _tool(name):
    return load_tool('dataset_converters', f'{name}.py',
                     name=f'_tool_{name}')


depth_tool = _tool('bp4d_depth_from_mesh')
thermal_tool = _tool('bp4dplus_thermal')
crop_tool = _tool('face_crop')
disfa_tool = _tool('disfa_extract_frames')


def _quiet(*args):
    pass


@pytest.fixture(scope='module')
def bp4d(tmp_path_factory):
    out = tmp_path_factory.mktemp('pre') / 'BP4D'
    generate_layout('bp4d', out, subjects=2, tasks=1, frames=3, size=64,
                    meshes=True, verbose=False)
    return str(out)


@pytest.fixture(scope='module')
def bp4dp(tmp_path_factory):
    out = tmp_path_factory.mktemp('pre') / 'BP4D+'
    generate_layout('bp4d_plus', out, subjects=2, tasks=1, frames=3,
                    size=64, verbose=False)
    return str(out)


# ----------------------------------------------------------------------
# Depth from meshes
# ----------------------------------------------------------------------
def test_zbuffer_keeps_the_nearest_surface():
    # Two overlapping squares (2 triangles each): far z=10 and near z=5.
    sq = np.array([[1., 1.], [8., 1.], [8., 8.], [1., 8.]])
    uv = np.concatenate([sq, sq + 2])
    z = np.array([10.] * 4 + [5.] * 4)
    faces = np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7]])
    d = depth_tool.rasterize_depth(uv, z, faces, 12, 12)
    assert d[2, 2] == 10 and d[5, 5] == 5 and d[9, 9] == 5
    assert np.isinf(d[0, 0]) and np.isinf(d[11, 0])
    # same result whatever the drawing order (a z-buffer, not painting)
    d2 = depth_tool.rasterize_depth(uv, z, faces[::-1], 12, 12)
    np.testing.assert_array_equal(d, d2)
    # barycentric interpolation of a sloped triangle is exact at pixels
    uv = np.array([[0., 0.], [10., 0.], [0., 10.]])
    d = depth_tool.rasterize_depth(uv, np.array([100., 110., 100.]),
                                   np.array([[0, 1, 2]]), 11, 11)
    assert d[0, 5] == pytest.approx(105) and d[3, 2] == pytest.approx(102)


def test_depth_from_mesh_matches_the_rendered_depth(bp4d, tmp_path):
    n = depth_tool.run(bp4d, str(tmp_path), projection='camera', log=_quiet)
    assert n == 6
    for subj in ('F001', 'M011'):
        folder = osp.join(bp4d, 'Depth', subj, 'T1')
        for name in os.listdir(folder):
            ref = cv2.imread(osp.join(folder, name), cv2.IMREAD_UNCHANGED)
            out = cv2.imread(osp.join(tmp_path, 'Depth', subj, 'T1', name),
                             cv2.IMREAD_UNCHANGED)
            assert out.dtype == np.uint16 and out.shape == ref.shape
            fg_ref, fg_out = ref < 65535, out < 65535
            # the mesh (a vertex every 4 px) covers most of the face and
            # nothing outside it
            assert (fg_out & fg_ref).sum() > 0.7 * fg_ref.sum()
            assert (fg_out & ~fg_ref).sum() < 0.02 * fg_ref.sum()
            err_mm = np.abs(out.astype(float) - ref)[fg_out & fg_ref] / 10
            face_range = (ref[fg_ref].max() - ref[fg_ref].min()) / 10
            assert err_mm.mean() < 2.5, err_mm.mean()    # mm
            assert err_mm.mean() < 0.05 * face_range


def test_depth_tool_texture_projection_and_box_crop(bp4d, tmp_path):
    """vt = the vertex's RGB position gives the camera result; --boxes
    crops with the RGB face box."""
    cam = json.load(open(osp.join(bp4d, 'camera.json')))
    seq = osp.join(bp4d, 'Sequences', 'F001', 'T1')
    name = sorted(f for f in os.listdir(seq) if f.endswith('.obj'))[0]
    mesh = depth_tool.read_obj(osp.join(seq, name))
    uv, z = depth_tool.project_camera(mesh['v'], cam)
    W, H = cam['width'], cam['height']
    textured = dict(mesh, vt=np.stack([(uv[:, 0] + 0.5) / W,
                                       1 - (uv[:, 1] + 0.5) / H], 1),
                    ft=mesh['f'].copy(),
                    v=np.concatenate([mesh['v'][:, :2], -z[:, None]], 1))
    d_cam = depth_tool.mesh_to_depth(mesh, (W, H), 'camera', cam)
    d_tex = depth_tool.mesh_to_depth(textured, (W, H), 'texture',
                                     camera_distance=0.0, z_sign=1.0)
    fin = np.isfinite(d_cam)
    assert (np.isfinite(d_tex) == fin).mean() > 0.99
    both = fin & np.isfinite(d_tex)
    assert np.abs(d_cam[both] - d_tex[both]).max() < 1e-3
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps(dict(boxes={'F001/T1': [8, 8, 56, 56],
                                            'M011/T1': [0, 0, 64, 64]})))
    depth_tool.run(bp4d, str(tmp_path), boxes=str(boxes), size=24,
                   log=_quiet)
    out = cv2.imread(osp.join(tmp_path, 'Depth', 'F001', 'T1',
                              name[:-4] + '.png'), cv2.IMREAD_UNCHANGED)
    assert out.shape == (24, 24)
    full = encode_depth(d_cam)  # the package codec the tool writes with
    np.testing.assert_array_equal(out, cv2.resize(
        full[8:56, 8:56], (24, 24), interpolation=cv2.INTER_NEAREST))


# ----------------------------------------------------------------------
# Thermal
# ----------------------------------------------------------------------
def test_colour_map_inversion_recovers_temperatures():
    pal = thermal_tool.colormap_palette('JET')
    temps = np.linspace(20, 40, 256 * 4, dtype=np.float32).reshape(16, 64)
    u8 = np.round(255 * (temps - 20) / 20).astype(np.uint8)
    bgr = cv2.applyColorMap(u8, cv2.COLORMAP_JET)
    rec = thermal_tool.false_colour_to_temperature(bgr, pal, 20, 40)
    assert np.abs(rec - temps).max() <= 20 / 255 / 2 + 1e-4   # quantisation
    # palette read from a legend bar drawn in the frame (top = t_max)
    bar = cv2.applyColorMap(np.arange(255, -1, -1, dtype=np.uint8)[:, None]
                            .repeat(6, 1), cv2.COLORMAP_JET)   # (256, 6, 3)
    frame = np.zeros((260, 80, 3), np.uint8)
    frame[2:258, 70:76] = bar
    pal2 = thermal_tool.palette_from_legend_bar(frame, (70, 2, 76, 258))
    assert np.abs(pal2.astype(int) - pal).max() <= 1
    with pytest.raises(ValueError, match='unknown colour map'):
        thermal_tool.colormap_palette('NOPE')


def _landmark_errors(root, est):
    meta = json.load(open(osp.join(root, 'meta.json')))
    errs = []
    for subj, H_est in est.items():
        H_true = np.asarray(meta['thermal_homography'][subj])  # RGB -> raw
        ir = thermal_tool.read_landmark_file(
            osp.join(root, 'IRFeatures', f'{subj}_T1.txt'))     # (T, 28, 2)
        pts = ir.reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(1)]
        p = np.concatenate([pts, np.ones((len(pts), 1))], 1)
        rgb = p @ np.linalg.inv(H_true).T                       # truth
        rgb = rgb[:, :2] / rgb[:, 2:]
        q = p @ np.asarray(H_est).T
        q = q[:, :2] / q[:, 2:]
        errs.append(np.linalg.norm(q - rgb, axis=1))
    return np.concatenate(errs)


@pytest.mark.parametrize('align,tol_mean,tol_max', [('box', 1.5, 3.0),
                                                    ('box+ecc', 1.0, 2.0)])
def test_thermal_aligned_to_rgb_from_face_boxes(bp4dp, tmp_path, align,
                                                tol_mean, tol_max):
    est = thermal_tool.run(bp4dp, str(tmp_path), align=align, log=_quiet)
    err = _landmark_errors(bp4dp, est)
    assert err.mean() < tol_mean and err.max() < tol_max, (err.mean(),
                                                          err.max())
    # recovered temperatures match the true aligned thermal on the face
    for subj in ('F001', 'M001'):
        for n in (1, 2, 3):
            rel = osp.join(subj, 'T1', f'{n}.png')
            out = cv2.imread(osp.join(tmp_path, 'Thermal', rel),
                             cv2.IMREAD_UNCHANGED) / 100.0
            ref = cv2.imread(osp.join(bp4dp, 'Thermal', rel),
                             cv2.IMREAD_UNCHANGED) / 100.0
            face = cv2.imread(osp.join(bp4dp, 'Depth', rel),
                              cv2.IMREAD_UNCHANGED) < 65535
            face = cv2.erode(face.astype(np.uint8), np.ones((3, 3))) > 0
            assert np.median(np.abs(out - ref)[face]) < 0.2      # °C
    # the dataset reads the tool's output as its thermal modality
    ds = BP4DPlusDataset(bp4dp, modalities=('rgb', 'thermal'),
                         thermal_prefix=osp.relpath(
                             osp.join(tmp_path, 'Thermal'), bp4dp))
    assert len(ds) == 6


def test_thermal_alignment_from_landmarks(bp4dp, tmp_path):
    meta = json.load(open(osp.join(bp4dp, 'meta.json')))
    lm_dir = tmp_path / 'rgb_lm'
    lm_dir.mkdir()
    for subj in ('F001', 'M001'):
        H = np.asarray(meta['thermal_homography'][subj])
        ir = thermal_tool.read_landmark_file(
            osp.join(bp4dp, 'IRFeatures', f'{subj}_T1.txt'))
        p = np.concatenate([np.nan_to_num(ir), np.ones(ir.shape[:2] + (1, ))],
                           -1) @ np.linalg.inv(H).T
        rgb = p[..., :2] / p[..., 2:]
        rgb[np.isnan(ir).any(-1)] = 0                      # missing stays
        (lm_dir / f'{subj}_T1.txt').write_text('\n'.join(
            ' '.join(f'{v:.3f}' for v in row.ravel()) for row in rgb))
    est = thermal_tool.run(bp4dp, str(tmp_path / 'out'), align='landmarks',
                           rgb_landmarks=str(lm_dir), log=_quiet)
    assert _landmark_errors(bp4dp, est).max() < 0.2


def test_thermal_tool_needs_a_legend(bp4dp, tmp_path):
    import shutil
    src = tmp_path / 'src'
    shutil.copytree(bp4dp, src)
    for subj in ('F001', 'M001'):
        os.remove(src / 'ThermalRaw' / subj / 'T1' / 'legend.json')
    with pytest.raises(ValueError, match='--t-range'):
        thermal_tool.run(str(src), str(tmp_path / 'o'), log=_quiet)
    est = thermal_tool.run(str(src), str(tmp_path / 'o'), colormap='JET',
                           t_range=(20, 40), log=_quiet)
    assert _landmark_errors(bp4dp, est).mean() < 1.0


def test_thermal_from_a_false_colour_video(bp4dp, tmp_path):
    """The released form: one false-colour video per clip, frame k <->
    k-th RGB frame (written losslessly here, FFV1)."""
    import shutil
    src = tmp_path / 'src'
    shutil.copytree(osp.join(bp4dp, '2D+3D'), src / '2D+3D')
    for subj in ('F001', 'M001'):
        raw_dir = osp.join(bp4dp, 'ThermalRaw', subj, 'T1')
        frames = [cv2.imread(osp.join(raw_dir, f'{n}.png')) for n in (1, 2, 3)]
        h, w = frames[0].shape[:2]
        (src / 'Thermal' / subj).mkdir(parents=True)
        vw = cv2.VideoWriter(str(src / 'Thermal' / subj / 'T1.avi'),
                             cv2.VideoWriter_fourcc(*'FFV1'), 25.0, (w, h))
        if not vw.isOpened():
            pytest.skip('this OpenCV build cannot write FFV1')
        for fr in frames:
            vw.write(fr)
        vw.release()
    est = thermal_tool.run(str(src), str(tmp_path / 'o'), colormap='JET',
                           t_range=(20, 40), aligned=bp4dp, log=_quiet)
    assert _landmark_errors(bp4dp, est).mean() < 1.0
    rel = osp.join('M001', 'T1', '3.png')
    out = cv2.imread(str(tmp_path / 'o' / 'Thermal' / rel),
                     cv2.IMREAD_UNCHANGED) / 100.0
    ref = cv2.imread(osp.join(bp4dp, 'Thermal', rel),
                     cv2.IMREAD_UNCHANGED) / 100.0
    face = cv2.imread(osp.join(bp4dp, 'Depth', rel),
                      cv2.IMREAD_UNCHANGED) < 65535
    assert np.median(np.abs(out - ref)[face]) < 0.2


# ----------------------------------------------------------------------
# Face detection and cropping
# ----------------------------------------------------------------------
def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])
    return inter / (area(a) + area(b) - inter)


def test_haar_finds_the_synthface_face(bp4d):
    rgb = cv2.imread(osp.join(bp4d, 'Sequences', 'F001', 'T1',
                              sorted(os.listdir(osp.join(
                                  bp4d, 'Sequences', 'F001', 'T1')))[0]))
    stem = sorted(os.listdir(osp.join(bp4d, 'Sequences', 'F001', 'T1')))[0]
    depth = cv2.imread(osp.join(bp4d, 'Depth', 'F001', 'T1',
                                osp.splitext(stem)[0] + '.png'),
                       cv2.IMREAD_UNCHANGED)
    box = crop_tool.detect_face_haar(rgb[..., ::-1])
    assert box is not None
    fg = crop_tool.box_from_mask(crop_tool.depth_foreground(depth))
    assert _iou(box, fg) > 0.4                 # same face region
    # fallback: no face visible to the cascade -> depth foreground box
    blank = np.full_like(rgb, 128)
    box2, how = crop_tool.detect_box(blank, depth)
    assert how == 'depth' and box2 == fg
    assert crop_tool.detect_box(blank, None) == (None, 'none')


def test_face_crop_crops_all_modalities_with_one_box(bp4d, tmp_path):
    boxes = crop_tool.run(bp4d, str(tmp_path), 'bp4d',
                          modalities=('rgb', 'depth'), size=40, log=_quiet)
    assert set(boxes) == {'F001/T1', 'M011/T1'}
    saved = json.load(open(tmp_path / 'boxes.json'))
    assert saved['box_per'] == 'subject' and saved['detections']
    # the preprocessed layout is read by the dataset class
    ds = BP4DDataset(str(tmp_path), modalities=('rgb', 'depth'),
                     pipeline=[dict(type='LoadFaceModalities',
                                    modalities=('rgb', 'depth')),
                               dict(type='PackFERInputs')])
    assert len(ds) == 6 and tuple(ds[0]['inputs'].shape) == (4, 40, 40)
    # RGB and depth were cut with the same box: the crop of the full depth
    x0, y0, x1, y1 = boxes['F001/T1']
    info = ds.get_data_info(0)
    full = cv2.imread(osp.join(bp4d, 'Depth', 'F001', 'T1',
                               osp.basename(info['depth_path'])),
                      cv2.IMREAD_UNCHANGED)
    want = cv2.resize(crop_tool.crop_pad(full, (x0, y0, x1, y1), 65535),
                      (40, 40), interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(
        cv2.imread(info['depth_path'], cv2.IMREAD_UNCHANGED), want)


def test_face_crop_reads_bp4d_plus_zips(tmp_path):
    src = tmp_path / 'zipped'
    generate_layout('bp4d_plus', src, subjects=1, tasks=2, frames=3,
                    size=64, zip=True, verbose=False)
    out = tmp_path / 'out'
    crop_tool.run(str(src), str(out), 'bp4d_plus',
                  modalities=('rgb', 'depth', 'thermal'), size=32,
                  log=_quiet)
    assert not osp.isdir(src / '2D+3D' / 'F001')        # nothing extracted
    ds = BP4DPlusDataset(str(out), with_labels=True)
    assert len(ds) == 6
    assert cv2.imread(ds.get_data_info(0)['thermal_path'],
                      cv2.IMREAD_UNCHANGED).shape == (32, 32)


def test_disfa_extract_frames(tmp_path):
    src = tmp_path / 'DISFA'
    generate_layout('disfa', src, subjects=2, frames=6, episode=3, size=64,
                    verbose=False)
    counts = disfa_tool.run(str(src), str(src), crop=True, size=48,
                            log=_quiet)
    assert counts == {'SN002': 6, 'SN013': 6}
    assert sorted(os.listdir(src / 'img' / 'SN002')) == [
        f'{t}.png' for t in range(6)]
    ds = DISFADataset(str(src))
    assert len(ds) == 12 and ds.num_skipped == 0
    assert cv2.imread(ds.get_data_info(0)['img_path']).shape == (48, 48, 3)
    with pytest.raises(FileNotFoundError, match='SN001'):
        disfa_tool.run(str(src), str(tmp_path / 'x'), subjects=['SN001'],
                       log=_quiet)
