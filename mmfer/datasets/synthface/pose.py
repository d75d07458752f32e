"""Head pose: one warp shared by every modality, so they stay aligned.

The face plane is rotated (yaw, pitch, roll), scaled and shifted under a
mild perspective (a homography), and each pixel is additionally displaced
by its height above the pivot plane (first-order parallax), so the nose
moves relative to the cheeks as a real head turns.  Depth is recomputed
from the rotated 3-D points.
"""
import cv2
import numpy as np

from .canvas import VIEW_CENTER_Y
from .constants import UNIT_MM
from .surface import Z_PIVOT


def rotation_matrix(yaw, pitch, roll):
    """3x3 rotation (degrees): yaw about y, pitch about x, roll about z.

    Axes: x right, y down, z away from the camera.  Positive pitch tilts the
    head down.
    """
    y, p, r = np.deg2rad([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0],
                   [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)],
                   [0, -np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0],
                   [0, 0, 1]])
    return rz @ rx @ ry


class PoseWarp:
    """Warp of the canonical frame to the camera view.

    Args:
        view (dict): needs ``yaw, pitch, roll, scale, shift_x, shift_y,
            camera_distance``.
        canvas (Canvas): the canonical grid.
    """

    def __init__(self, view, canvas):
        self.canvas = canvas
        self.R = rotation_matrix(view['yaw'], view['pitch'], view['roll'])
        self.scale = float(view['scale'])
        self.distance = float(view['camera_distance'])
        S, c = canvas.size, canvas.c
        self.identity = (np.allclose(self.R, np.eye(3)) and self.scale == 1.0
                         and view['shift_x'] == 0 and view['shift_y'] == 0)
        f = 4.0 * S
        A = np.array([[f, 0, c + view['shift_x'] * S],
                      [0, f, c + view['shift_y'] * S], [0, 0, 1]])
        M = np.column_stack([self.scale * self.R[:, 0],
                             self.scale * self.R[:, 1], [0, 0, f]])
        B = np.array([[1, 0, -c], [0, 1, -c], [0, 0, 1.0]])
        #: canonical pixel -> view pixel homography (3, 3)
        self.H = A @ M @ B
        self.H_inv = np.linalg.inv(self.H)

    def _parallax(self, z):
        """Canonical-pixel offset of a point at height z (face units)."""
        h = (z - Z_PIVOT) * self.canvas.px_per_unit * self.scale
        return h * self.R[0, 2], h * self.R[1, 2]

    def maps(self, z):
        """Remap tables (view pixel -> canonical pixel), 2 x (S, S) float32.

        Args:
            z (np.ndarray): (S, S) canonical height field.
        """
        S = self.canvas.size
        pts = self.H_inv @ self.canvas.homogeneous_pixels()  # (3, S*S)
        cx = (pts[0] / pts[2]).reshape(S, S)
        cy = (pts[1] / pts[2]).reshape(S, S)
        zi = z[np.clip(np.rint(cy), 0, S - 1).astype(int),
               np.clip(np.rint(cx), 0, S - 1).astype(int)]
        dx, dy = self._parallax(zi)
        return (cx + dx).astype(np.float32), (cy + dy).astype(np.float32)

    def forward(self, pts_px, z):
        """Map canonical pixel points (N, 2) to view pixels (N, 2)."""
        pts = np.asarray(pts_px, np.float64)
        S = self.canvas.size
        zi = z[np.clip(np.rint(pts[:, 1]), 0, S - 1).astype(int),
               np.clip(np.rint(pts[:, 0]), 0, S - 1).astype(int)]
        dx, dy = self._parallax(zi)
        src = np.stack([pts[:, 0] - dx, pts[:, 1] - dy, np.ones(len(pts))])
        out = self.H @ src
        return (out[:2] / out[2]).T

    def depth_mm(self, z, map_x=None, map_y=None):
        """Camera depth (mm) of canonical heights z seen at canonical pixels.

        Args:
            z (np.ndarray): heights (face units), any shape.
            map_x, map_y: canonical pixel coordinates of the same shape
                (None for the un-rotated identity case).
        """
        zr = z - Z_PIVOT
        if map_x is None:
            return (self.distance - UNIT_MM * zr).astype(np.float32)
        ppu = self.canvas.px_per_unit
        xu = (map_x - self.canvas.c) / ppu
        yu = (map_y - self.canvas.c) / ppu + VIEW_CENTER_Y
        R = self.R
        # The point (xu, yu, -zr) rotated; its z is the depth offset.
        dz = R[2, 0] * xu + R[2, 1] * yu - R[2, 2] * zr
        return (self.distance + UNIT_MM * dz).astype(np.float32)

    def remap(self, img, map_x, map_y, nearest=False, border=0):
        interp = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
        return cv2.remap(img, map_x, map_y, interp,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=border)
