"""Fit a surface ``z(x, y)`` on a regular pixel grid from scattered points.

CM-CNN (Sec. III-B4, "Facial Depth Images Calculation") computes the facial
depth image "by fitting a surface from the 3-D point cloud ... in the form
of z(x, y) using the gridfit algorithm" (J. D'Errico, "Surface fitting
using gridfit", MATLAB Central File Exchange 8998). :func:`fit_depth_grid`
is a scipy re-implementation of that least-squares formulation (written
from its description, not its code):

* unknowns: the surface value at every grid node (node = pixel centre,
  ``x`` = column, ``y`` = row, in pixel units);
* data equations ``A f = z``: each point's value is the bilinear
  interpolation of the 4 nodes around it (gridfit's ``'bilinear'``
  interpolation option);
* smoothness equations ``R f = 0``: gridfit's default ``'gradient'``
  regulariser, the second differences ``f[i, j-1] - 2 f[i, j] + f[i, j+1]``
  along rows and ``f[i-1, j] - 2 f[i, j] + f[i+1, j]`` along columns (the
  gradient changes smoothly); as in gridfit, ``R`` is scaled by
  ``smoothness * |A|_1 / |R|_1`` (max column sums), so ``smoothness`` means
  the same whatever the point density; larger = smoother, 1 = gridfit's
  default;
* the stacked system ``[A; w R] f = [z; 0]`` is solved in the least
  squares sense through its sparse normal equations (``spsolve``, or for
  large grids conjugate gradients warm-started from a coarser fit; see
  :func:`_gridfit`).

Only nodes within the data support (convex hull of the points, or within
``max_dist`` pixels of a point) are unknowns; everything else is NaN:
depth is never extrapolated beyond the scan. The convex hull also covers
data-free concavities of a face outline, where the regulariser alone
extrapolates the surface (and conjugate gradients converge slowly);
``mask='distance'`` follows the outline and keeps holes.

``method='linear'`` instead triangulates the points (Delaunay) and
interpolates linearly inside the triangles
(:func:`scipy.interpolate.griddata`): faster, no smoothing, exact at the
points.
"""
import warnings
from typing import Optional, Tuple

import numpy as np
from scipy import sparse
from scipy.interpolate import griddata
from scipy.ndimage import binary_dilation, map_coordinates
from scipy.sparse.linalg import cg, spsolve
from scipy.spatial import ConvexHull, QhullError, cKDTree

FIT_METHODS = ('gridfit', 'linear')
MASK_MODES = ('hull', 'distance')


def support_mask(xy: np.ndarray,
                 shape: Tuple[int, int],
                 mask: str = 'hull',
                 max_dist: Optional[float] = None) -> np.ndarray:
    """Pixels of an (H, W) grid inside the support of scattered points.

    Args:
        xy (np.ndarray): (K, 2) point positions (x = column, y = row).
        shape (tuple): (H, W).
        mask (str): ``'hull'`` (inside the convex hull of the points) or
            ``'distance'`` (within ``max_dist`` px of a point; follows
            concave outlines and holes). Defaults to ``'hull'``.
        max_dist (float, optional): radius in px for ``'distance'``.
            Defaults to None: :func:`default_max_dist` (twice the median
            point spacing, at least 1.5 px).

    Returns:
        np.ndarray: (H, W) bool.
    """
    if mask not in MASK_MODES:
        raise ValueError(f'mask must be one of {MASK_MODES}, got {mask!r}.')
    H, W = shape
    out = np.zeros((H, W), bool)
    if mask == 'distance' and max_dist is None:
        max_dist = default_max_dist(xy)
    x0, y0 = np.floor(xy.min(0)).astype(int)
    x1, y1 = np.ceil(xy.max(0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, W - 1), min(y1, H - 1)
    if mask == 'distance':
        pad = int(np.ceil(max_dist))
        x0, y0 = max(x0 - pad, 0), max(y0 - pad, 0)
        x1, y1 = min(x1 + pad, W - 1), min(y1 + pad, H - 1)
    if x1 < x0 or y1 < y0:
        return out
    if mask == 'hull':
        try:
            eq = ConvexHull(xy).equations                        # (F, 3)
        except QhullError:  # collinear / too few points: no 2-D support
            return out
        # inside: a x + b y + c <= 0 for every hull edge (a, b, c); per row
        # y this is an interval lo <= x <= hi
        a, b, c = eq[:, 0], eq[:, 1], eq[:, 2] - 1e-6
        rows = np.arange(y0, y1 + 1, dtype=np.float64)[:, None]  # (h, 1)
        bound = -(b * rows + c) / np.where(a == 0, 1, a)         # (h, F)
        lo = np.where(a < 0, bound, -np.inf).max(1)              # (h,)
        hi = np.where(a > 0, bound, np.inf).min(1)
        ok = (np.where(a == 0, b * rows + c, -1) <= 0).all(1)
        cols = np.arange(x0, x1 + 1)[None]                       # (1, w)
        inside = ok[:, None] & (cols >= lo[:, None]) & (cols <= hi[:, None])
    else:
        ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1]                  # (h, w)
        q = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
        dist, _ = cKDTree(xy).query(q, distance_upper_bound=max_dist)
        inside = np.isfinite(dist).reshape(ys.shape)
    out[y0:y1 + 1, x0:x1 + 1] = inside
    return out


def default_max_dist(xy: np.ndarray) -> float:
    """Radius of the ``'distance'`` support: 2 x the median distance of a
    point to its nearest neighbour, at least 1.5 px (so a regular grid of
    points leaves no holes between its rows and columns)."""
    if len(xy) < 2:
        return 1.5
    d, _ = cKDTree(xy).query(xy, k=2)                           # (K, 2)
    return max(1.5, 2.0 * float(np.median(d[:, 1])))


def _second_differences(node_id: np.ndarray) -> sparse.csr_matrix:
    """gridfit's 'gradient' regulariser on the unknown nodes.

    One row per triple of consecutive unknown nodes along a row or a
    column: ``f[a] - 2 f[b] + f[c]``.

    Args:
        node_id (np.ndarray): (h, w) int, unknown index or -1.

    Returns:
        scipy.sparse.csr_matrix: (E, n).
    """
    rows = []
    for a, b, c in (
            (node_id[:, :-2], node_id[:, 1:-1], node_id[:, 2:]),   # along x
            (node_id[:-2], node_id[1:-1], node_id[2:])):            # along y
        ok = (a >= 0) & (b >= 0) & (c >= 0)
        rows.append(np.stack([a[ok], b[ok], c[ok]], 1))            # (E, 3)
    tri = np.concatenate(rows)
    n_eq = len(tri)
    vals = np.tile([1.0, -2.0, 1.0], n_eq)
    return sparse.csr_matrix(
        (vals, (np.repeat(np.arange(n_eq), 3), tri.ravel())),
        shape=(n_eq, int(node_id.max()) + 1))


#: Above this many unknowns the normal equations are solved by conjugate
#: gradients, warm-started from the same fit on a 2x coarser grid.
DIRECT_MAX_NODES = 3000
#: Up to this many unknowns a CG run that does not converge is redone by
#: factorisation (larger factorisations take minutes).
DIRECT_FALLBACK_NODES = 60000


def _system(xy: np.ndarray, z: np.ndarray, support: np.ndarray,
            smoothness: float):
    """Unknown nodes and normal equations of gridfit on ``support``.

    Returns:
        tuple: ``nodes`` (h, w) bool, the normal matrix ``M`` (n, n) csc,
        the right-hand side (n,) for ``z - z0`` and ``z0``.
    """
    h, w = support.shape
    # the 4 nodes around every point must be unknowns
    ix = np.clip(np.floor(xy[:, 0]).astype(int), 0, max(w - 2, 0))
    iy = np.clip(np.floor(xy[:, 1]).astype(int), 0, max(h - 2, 0))
    fx = np.clip(xy[:, 0] - ix, 0, 1) if w > 1 else np.zeros(len(z))
    fy = np.clip(xy[:, 1] - iy, 0, 1) if h > 1 else np.zeros(len(z))
    corners = [(np.minimum(iy + dy, h - 1), np.minimum(ix + dx, w - 1), wgt)
               for dy, dx, wgt in ((0, 0, (1 - fx) * (1 - fy)),
                                   (0, 1, fx * (1 - fy)),
                                   (1, 0, (1 - fx) * fy), (1, 1, fx * fy))]
    nodes = support.copy()
    for r, c, _ in corners:
        nodes[r, c] = True
    n = int(nodes.sum())
    node_id = -np.ones((h, w), np.int64)
    node_id[nodes] = np.arange(n)
    # data equations: bilinear interpolation of the 4 corner nodes
    k = len(z)
    A = sparse.csr_matrix(
        (np.concatenate([wgt for _, _, wgt in corners]),
         (np.tile(np.arange(k), 4),
          np.concatenate([node_id[r, c] for r, c, _ in corners]))),
        shape=(k, n))                                            # (K, n)
    R = _second_differences(node_id)                             # (E, n)
    M = A.T @ A
    if R.shape[0]:
        # gridfit's scaling: smoothness * |A|_1 / |R|_1
        lam = smoothness * abs(A).sum(0).max() / abs(R).sum(0).max()
        M = M + (lam * lam) * (R.T @ R)                          # (n, n)
    # a tiny ridge keeps data- and regulariser-free nodes determined
    M = (M + sparse.identity(n) * 1e-10 * max(M.diagonal().max(), 1e-12))
    z0 = float(z.mean())               # centred z: better conditioned solve
    return nodes, M.tocsc(), A.T @ (z - z0), z0


def _gridfit(xy: np.ndarray, z: np.ndarray, support: np.ndarray,
             smoothness: float, rtol: float = 1e-9) -> np.ndarray:
    """Least-squares gridfit on the grid ``support`` (see module doc).

    Up to :data:`DIRECT_MAX_NODES` unknowns the normal equations are
    factorised (``spsolve``). Larger grids (a face at 512 x 512 has ~150k
    unknowns, 30 s to factorise) are solved by Jacobi-preconditioned
    conjugate gradients started from the fit on a 2x coarser grid
    (recursively), which converges in ~100 iterations; ``rtol`` 1e-9 keeps
    the difference to the direct solution far below the 0.1 mm depth code.

    Returns:
        np.ndarray: (h, w) float64, NaN off the unknown nodes.
    """
    h, w = support.shape
    nodes, M, b, z0 = _system(xy, z, support, smoothness)
    n = M.shape[0]
    if n <= DIRECT_MAX_NODES or min(h, w) < 8:
        f = spsolve(M, b)                                         # (n,)
    else:
        # coarse node (i, j) sits at fine (2i, 2j); its support covers the
        # fine nodes with a 1-node margin so the upsampling has neighbours
        hc, wc = (h + 1) // 2, (w + 1) // 2
        pad = np.zeros((2 * hc, 2 * wc), bool)
        pad[:h, :w] = nodes
        coarse = pad.reshape(hc, 2, wc, 2).any((1, 3))           # (hc, wc)
        coarse = binary_dilation(coarse, np.ones((3, 3), bool))
        fc = _gridfit(xy / 2.0, z, coarse, smoothness, rtol)     # (hc, wc)
        fc = np.where(np.isfinite(fc), fc - z0, 0.0)
        rr, cc = np.nonzero(nodes)
        x0 = map_coordinates(fc, [rr / 2.0, cc / 2.0], order=1,
                             mode='nearest')                      # (n,)
        # M is symmetric: its CSR form is M too, and multiplies faster
        f, info = cg(M.tocsr(), b, x0=x0, rtol=rtol,
                     maxiter=20 * int(np.sqrt(n)),
                     M=sparse.diags(1.0 / M.diagonal()))
        if info != 0 and n <= DIRECT_FALLBACK_NODES:
            f = spsolve(M, b)            # not converged: solve it exactly
        elif info != 0:
            res = np.linalg.norm(M @ f - b) / max(np.linalg.norm(b), 1e-300)
            warnings.warn(f'gridfit: conjugate gradients stopped after '
                          f'{info} iterations on {n} unknowns at relative '
                          f'residual {res:.1e} (target {rtol:.0e}); the fit '
                          'is approximate. Raise smoothness or use '
                          "method='linear'.")
    out = np.full((h, w), np.nan)
    out[nodes] = f + z0
    return out


def fit_depth_grid(xy: np.ndarray,
                   z: np.ndarray,
                   shape: Tuple[int, int],
                   *,
                   smoothness: float = 1.0,
                   method: str = 'gridfit',
                   mask: str = 'hull',
                   max_dist: Optional[float] = None) -> np.ndarray:
    """Fit ``z(x, y)`` on an (H, W) pixel grid from scattered points.

    Args:
        xy (np.ndarray): (K, 2) point positions in pixels, ``x`` = column,
            ``y`` = row, pixel centres at integer coordinates. Points
            outside ``[0, W-1] x [0, H-1]`` are ignored.
        z (np.ndarray): (K,) values.
        shape (tuple): (H, W) of the output grid.
        smoothness (float): weight of gridfit's gradient regulariser
            (``method='gridfit'``); larger = smoother. Defaults to 1.
        method (str): ``'gridfit'`` (regularised least squares, see the
            module doc) or ``'linear'`` (Delaunay linear interpolation).
            Defaults to ``'gridfit'``.
        mask (str): data support outside which the result is NaN:
            ``'hull'`` or ``'distance'`` (see :func:`support_mask`).
            Defaults to ``'hull'``.
        max_dist (float, optional): radius in px for ``mask='distance'``;
            None (default) adapts it to the point spacing
            (:func:`default_max_dist`).

    Returns:
        np.ndarray: (H, W) float32, NaN outside the data support.

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> xy = rng.uniform(0, 31, (400, 2))
        >>> fit_depth_grid(xy, xy[:, 0] + xy[:, 1], (32, 32)).shape
        (32, 32)
    """
    if method not in FIT_METHODS:
        raise ValueError(f'method must be one of {FIT_METHODS}, got '
                         f'{method!r}.')
    if smoothness <= 0:
        raise ValueError(f'smoothness must be > 0, got {smoothness}.')
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    z = np.asarray(z, np.float64).reshape(-1)
    if len(xy) != len(z):
        raise ValueError(f'xy has {len(xy)} points but z {len(z)} values.')
    H, W = int(shape[0]), int(shape[1])
    keep = (np.isfinite(xy).all(1) & np.isfinite(z) & (xy[:, 0] >= 0) &
            (xy[:, 0] <= W - 1) & (xy[:, 1] >= 0) & (xy[:, 1] <= H - 1))
    xy, z = xy[keep], z[keep]
    out = np.full((H, W), np.nan, np.float32)
    if len(z) < 3:
        return out
    support = support_mask(xy, (H, W), mask, max_dist)
    if not support.any():
        return out
    # work on the bounding box of the support (+1 node for bilinear cells)
    rr, cc = np.nonzero(support)
    y0, x0 = max(rr.min() - 1, 0), max(cc.min() - 1, 0)
    y1, x1 = min(rr.max() + 2, H), min(cc.max() + 2, W)
    sub = support[y0:y1, x0:x1]                                 # (h, w)
    local = xy - (x0, y0)
    if method == 'linear':
        ys, xs = np.nonzero(sub)
        vals = griddata(local, z, np.stack([xs, ys], 1), method='linear')
        fit = np.full(sub.shape, np.nan)
        fit[ys, xs] = vals
    else:
        fit = _gridfit(local, z, sub, smoothness)
    fit[~sub] = np.nan                 # never report depth off the support
    out[y0:y1, x0:x1] = fit
    return out
