"""Pixel grid of the canonical frontal frame and drawing helpers."""
import cv2
import numpy as np

#: Face units visible across the image (face oval ~1.7 wide, ~2.1 high).
VIEW_SPAN = 2.75
#: Face-unit y coordinate at the image centre.
VIEW_CENTER_Y = 0.05
_SHIFT = 4  # sub-pixel bits for cv2 drawing


class Canvas:
    """Grid of a ``size`` x ``size`` image in face units.

    Pixel ``(col, row)`` has face coordinates
    ``x = (col - c) / px_per_unit``, ``y = (row - c) / px_per_unit +
    VIEW_CENTER_Y`` with ``c = (size - 1) / 2``.

    Args:
        size (int): image side in pixels.
    """

    def __init__(self, size):
        self.size = int(size)
        self.px_per_unit = self.size / VIEW_SPAN
        self.c = (self.size - 1) / 2.0
        self._offset = np.array(
            [self.c, self.c - VIEW_CENTER_Y * self.px_per_unit])
        idx = (np.arange(self.size) - self.c) / self.px_per_unit
        self.xs = idx                    # (S,) x of each column
        self.ys = idx + VIEW_CENTER_Y    # (S,) y of each row
        # Broadcastable grids: X (1, S), Y (S, 1).
        self.X = self.xs[None, :]
        self.Y = self.ys[:, None]

    def homogeneous_pixels(self):
        """(3, S*S) float64 rows x, y, 1 of every pixel (row-major, cached)."""
        if not hasattr(self, '_hpix'):
            jj, ii = np.meshgrid(np.arange(self.size, dtype=np.float64),
                                 np.arange(self.size, dtype=np.float64))
            self._hpix = np.stack([jj.ravel(), ii.ravel(),
                                   np.ones(self.size**2)])
        return self._hpix

    def to_px(self, pts):
        """Face units (..., 2) -> pixel coordinates (..., 2) float."""
        return np.asarray(pts, np.float64) * self.px_per_unit + self._offset

    def _fixed(self, pts):
        return np.round(self.to_px(pts) * (1 << _SHIFT)).astype(np.int32)

    def fill(self, img, polys, value):
        """Fill polygons given in face units (sub-pixel accurate)."""
        cv2.fillPoly(img, [self._fixed(p) for p in polys], value,
                     lineType=cv2.LINE_8, shift=_SHIFT)

    def polyline(self, img, pts, value, thickness_units, closed=False,
                 antialias=True):
        """Draw a polyline (width in face units, >= 1 px).

        Use ``antialias=False`` on label maps (anti-aliasing blends ids).
        """
        t = max(1, int(round(thickness_units * self.px_per_unit)))
        cv2.polylines(img, [self._fixed(pts)], closed, value, t,
                      lineType=cv2.LINE_AA if antialias else cv2.LINE_8,
                      shift=_SHIFT)

    def ellipse_poly(self, cx, cy, rx, ry, n=48):
        """An ellipse as a polygon (n, 2) in face units."""
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)

    def box(self, cx, cy, rx, ry):
        """Row/column slices covering the face-unit box (clipped)."""
        p = self.px_per_unit
        c0 = int(np.floor(self.c + (cx - rx) * p))
        c1 = int(np.ceil(self.c + (cx + rx) * p)) + 1
        r0 = int(np.floor(self.c + (cy - ry - VIEW_CENTER_Y) * p))
        r1 = int(np.ceil(self.c + (cy + ry - VIEW_CENTER_Y) * p)) + 1
        s = self.size
        return (slice(min(max(r0, 0), s), min(max(r1, 0), s)),
                slice(min(max(c0, 0), s), min(max(c1, 0), s)))

    def add_bump(self, field, cx, cy, rx, ry, height):
        """Add ``height * (1 - r^2)^2`` (r = elliptic radius, zero for r >= 1).

        The bump has compact support, so it changes only pixels inside the
        ellipse: AU effects built from bumps stay local.
        """
        if height == 0.0:
            return
        rs, cs = self.box(cx, cy, rx, ry)
        if rs.start >= rs.stop or cs.start >= cs.stop:
            return
        dx = (self.xs[cs][None, :] - cx) / rx
        dy = (self.ys[rs][:, None] - cy) / ry
        r2 = dx * dx + dy * dy
        field[rs, cs] += height * np.where(r2 < 1.0, (1.0 - r2)**2, 0.0)
