import numpy as np
import pytest
from scipy.spatial import Delaunay

import mmfer.datasets.scans.gridfit as gridfit
from mmfer.datasets.scans import fit_depth_grid, support_mask


def _points(n=600, size=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(4, size - 5, (n, 2))


def test_plane_is_exact_and_nan_outside_hull():
    xy = _points()
    z = 2 * xy[:, 0] - 3 * xy[:, 1] + 5
    fit = fit_depth_grid(xy, z, (40, 40))
    assert fit.shape == (40, 40) and fit.dtype == np.float32
    ys, xs = np.mgrid[0:40, 0:40]
    inside = Delaunay(xy).find_simplex(
        np.stack([xs.ravel(), ys.ravel()], 1)).reshape(40, 40) >= 0
    np.testing.assert_array_equal(np.isfinite(fit), inside)
    # second differences of a plane vanish: gridfit reproduces it exactly
    np.testing.assert_allclose(fit[inside], (2 * xs - 3 * ys + 5)[inside],
                               atol=1e-3)
    assert np.isnan(fit[0, 0]) and np.isnan(fit[-1, -1])


# z spans ~22 mm; gridfit's regulariser pulls the constant curvature (-0.1 per
# px^2) slightly towards 0, a bias of a few hundredths at smoothness 1
@pytest.mark.parametrize('method', ['gridfit', 'linear'])
def test_paraboloid(method):
    xy = _points(1500)
    z = 80 - ((xy - 20)**2).sum(1) / 20
    fit = fit_depth_grid(xy, z, (40, 40), method=method)
    ys, xs = np.mgrid[0:40, 0:40]
    truth = 80 - ((xs - 20)**2 + (ys - 20)**2) / 20
    ok = np.isfinite(fit)
    assert ok.mean() > 0.5
    err = np.abs(fit[ok] - truth[ok])
    assert err.max() < 0.15 and err.mean() < 0.03  # of a 22 mm range


def test_smoothness_trades_fit_for_smoothness():
    xy = _points(800)
    rng = np.random.default_rng(1)
    z = xy[:, 0] + rng.normal(0, 1.0, len(xy))

    def roughness(f):
        return np.nanmean(np.abs(f[:, :-2] - 2 * f[:, 1:-1] + f[:, 2:]))

    r_lo = roughness(fit_depth_grid(xy, z, (40, 40), smoothness=0.1))
    r_hi = roughness(fit_depth_grid(xy, z, (40, 40), smoothness=10.0))
    assert r_hi < 0.5 * r_lo


def test_iterative_solver_matches_direct(monkeypatch):
    xy = _points(2000, 64)
    z = np.sin(xy[:, 0] / 6) * 5 + xy[:, 1]
    direct = fit_depth_grid(xy, z, (64, 64))
    monkeypatch.setattr(gridfit, 'DIRECT_MAX_NODES', 200)  # 2 CG levels
    coarse_to_fine = fit_depth_grid(xy, z, (64, 64))
    np.testing.assert_array_equal(np.isnan(direct), np.isnan(coarse_to_fine))
    np.testing.assert_allclose(coarse_to_fine, direct, atol=1e-3,
                               equal_nan=True)


def test_distance_mask_keeps_holes():
    rng = np.random.default_rng(0)
    ang = rng.uniform(0, 2 * np.pi, 3000)
    rad = rng.uniform(10, 15, 3000)  # an annulus around (20, 20)
    xy = np.stack([20 + rad * np.cos(ang), 20 + rad * np.sin(ang)], 1)
    z = np.full(len(xy), 7.0)
    hull = fit_depth_grid(xy, z, (40, 40), mask='hull')
    dist = fit_depth_grid(xy, z, (40, 40), mask='distance', max_dist=2.0)
    assert np.isfinite(hull[20, 20])  # the hull covers the hole ...
    assert np.isnan(dist[20, 20])  # ... the distance mask does not
    assert np.isfinite(dist[20, 8])
    np.testing.assert_allclose(dist[np.isfinite(dist)], 7.0, atol=1e-4)
    assert support_mask(xy, (40, 40), 'distance', 2.0).sum() == \
        np.isfinite(dist).sum()


def test_default_distance_radius_follows_point_spacing():
    ys, xs = np.mgrid[4:37:4, 4:37:4].astype(float)  # a grid every 4 px
    xy = np.stack([xs.ravel(), ys.ravel()], 1)
    fit = fit_depth_grid(xy, xy[:, 0], (48, 48), mask='distance')
    assert np.isfinite(fit[4:37, 4:37]).all()  # no holes between points
    assert np.isfinite(fit[20, 43]) and np.isnan(fit[20, 45])  # 8 px reach


def test_points_off_grid_and_degenerate():
    xy = np.array([[-5.0, 3], [50, 3], [3, 3]])
    assert np.isnan(fit_depth_grid(xy, [1, 2, 3], (10, 10))).all()
    line = np.stack([np.arange(9.0), np.arange(9.0)], 1)  # collinear
    assert np.isnan(fit_depth_grid(line, np.arange(9.0), (10, 10))).all()


def test_bad_arguments():
    xy = _points(50)
    with pytest.raises(ValueError, match="'gridfit', 'linear'"):
        fit_depth_grid(xy, xy[:, 0], (40, 40), method='cubic')
    with pytest.raises(ValueError, match='smoothness must be > 0'):
        fit_depth_grid(xy, xy[:, 0], (40, 40), smoothness=0)
    with pytest.raises(ValueError, match='50 points but z 3'):
        fit_depth_grid(xy, [1, 2, 3], (40, 40))
    with pytest.raises(ValueError, match="'hull', 'distance'"):
        fit_depth_grid(xy, xy[:, 0], (40, 40), mask='box')
