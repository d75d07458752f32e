"""Backgrounds and camera/sensor degradations of each modality."""
import cv2
import numpy as np


def background(view, size):
    """Background image (S, S, 3) float32 RGB in 0-255.

    ``view['background']`` is 'flat', 'gradient' or 'clutter' (random
    rectangles and discs over a gradient, drawn at low resolution).
    """
    rng = np.random.default_rng(view['background_seed'])
    level = view['background_level']
    tint = 1.0 + 0.15 * rng.uniform(-1, 1, size=3)
    kind = view['background']
    if kind == 'flat':
        return np.broadcast_to(level * tint, (size, size, 3)).astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    t = np.linspace(-1, 1, size)
    ramp = np.cos(ang) * t[None, :] + np.sin(ang) * t[:, None]
    img = level * (1 + 0.3 * ramp)[..., None] * tint
    if kind == 'clutter':
        small = img[::max(size // 32, 1), ::max(size // 32, 1)].copy()
        n = small.shape[0]
        for _ in range(12):
            col = tuple(float(v) for v in rng.uniform(20, 235, size=3))
            x0, y0 = rng.integers(0, n, size=2)
            if rng.random() < 0.5:
                w, h = rng.integers(2, max(n // 2, 3), size=2)
                cv2.rectangle(small, (int(x0), int(y0)),
                              (int(x0 + w), int(y0 + h)), col, -1)
            else:
                cv2.circle(small, (int(x0), int(y0)),
                           int(rng.integers(1, max(n // 4, 2))), col, -1)
        img = cv2.resize(small, (size, size), interpolation=cv2.INTER_LINEAR)
    elif kind != 'gradient':
        raise ValueError(f"background must be 'flat', 'gradient' or "
                         f"'clutter', got {kind!r}")
    return np.asarray(img, np.float32)


def _sigma(view_sigma, size):
    return view_sigma * size / 112.0


def degrade_rgb(img, view, rng):
    """Camera pipeline on a float RGB image (S, S, 3) in 0-255 -> uint8.

    Order: low resolution (down- then up-sampling), gaussian blur, additive
    gaussian noise, 8-bit quantisation, JPEG round trip.
    """
    S = img.shape[0]
    if view['lowres'] < 1.0:
        lo = max(8, int(round(S * view['lowres'])))
        img = cv2.resize(img, (lo, lo), interpolation=cv2.INTER_AREA)
        img = cv2.resize(img, (S, S), interpolation=cv2.INTER_LINEAR)
    sigma = _sigma(view['blur'], S)
    if sigma > 0.05:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if view['gauss_noise'] > 0:
        img = img + rng.standard_normal(img.shape, dtype=np.float32) * \
            view['gauss_noise']
    out = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    if view['jpeg_quality'] is not None:
        ok, buf = cv2.imencode('.jpg', out[..., ::-1],
                               [cv2.IMWRITE_JPEG_QUALITY,
                                int(view['jpeg_quality'])])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)


def degrade_thermal(T, view, rng):
    """Thermal optics blur and sensor noise (°C, float32)."""
    sigma = _sigma(view['thermal_blur'], T.shape[0])
    if sigma > 0.05:
        T = cv2.GaussianBlur(T, (0, 0), sigma)
    if view['thermal_noise'] > 0:
        T = T + rng.standard_normal(T.shape, dtype=np.float32) * \
            view['thermal_noise']
    return T.astype(np.float32)


def degrade_depth(depth, face, view, rng):
    """Depth sensor noise on face pixels only (background stays constant)."""
    if view['depth_noise'] > 0:
        noise = rng.standard_normal(depth.shape, dtype=np.float32)
        depth = np.where(face, depth + noise * view['depth_noise'], depth)
    return depth.astype(np.float32)
