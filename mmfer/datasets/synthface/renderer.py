"""SynthFace renderer: one FACS-driven face in RGB, depth, thermal, parsing."""
import numpy as np

from mmfer.structures.codecs import DEPTH_BACKGROUND_MM
from .canvas import Canvas
from .constants import UNIT_MM
from .constants import PARSING_INDEX as P
from .domains import sample_view
from .expressions import arousal_from_aus, au_vector
from .geometry import build_face_shape
from .parsing import rasterize_parsing
from .pose import PoseWarp
from .seeding import as_rng
from .sensor import background, degrade_depth, degrade_rgb, degrade_thermal
from .surface import height_field
from .texture import albedo, skin_pattern
from .thermal import thermal_field

MODALITIES = ('rgb', 'depth', 'thermal', 'parsing')
MIN_SIZE = 32


class SynthFaceRenderer:
    """Deterministic procedural renderer of FACS-driven faces.

    All modalities come from one 3-D surface and one pose warp, so they are
    aligned pixel for pixel: ``parsing == 0`` exactly where
    ``depth == DEPTH_BACKGROUND_MM``.

    Args:
        size (int): output side in pixels (>= 32). Default: 112.

    Example:
        >>> from mmfer.datasets.synthface import SynthFaceRenderer, sample_subject
        >>> out = SynthFaceRenderer(64).render(sample_subject(0, 0), {12: 4})
        >>> out['rgb'].shape, out['depth'].dtype.name, out['parsing'].shape
        ((64, 64, 3), 'float32', (64, 64))
    """

    def __init__(self, size=112):
        size = int(size)
        if size < MIN_SIZE:
            raise ValueError(f'SynthFace size must be >= {MIN_SIZE} pixels, '
                             f'got {size}')
        self.size = size
        self.canvas = Canvas(size)
        self._patterns = {}

    def _pattern(self, seed):
        if seed not in self._patterns:
            if len(self._patterns) > 256:
                self._patterns.clear()
            self._patterns[seed] = skin_pattern(seed, self.size)
        return self._patterns[seed]

    def render(self, subject, au=None, domain='lab', seed=0, *, arousal=None,
               noise=True, view=None, view_overrides=None,
               modalities=MODALITIES):
        """Render one sample.

        Args:
            subject (SubjectParams): identity (see
                :func:`~.identity.sample_subject`).
            au (dict | array-like, optional): AU intensities 0-5, e.g.
                ``{12: 3.5, 6: 2}`` or a (17,) array in ``AU_IDS`` order.
            domain (str | dict): domain preset name or parameter dict.
            seed (int | tuple | np.random.Generator): randomness of the view
                (pose, light, background) and of the sensor noise.
            arousal (float, optional): 0-1; default estimated from the AUs.
            noise (bool): if False, skip every sensor degradation (blur,
                noise, JPEG, low resolution); pose and light still apply.
            view (dict, optional): a view from :func:`~.domains.sample_view`
                to use instead of sampling one (clips reuse one view).
            view_overrides (dict, optional): keys replacing entries of the
                view, e.g. ``dict(yaw=20.0)``.
            modalities (tuple): subset of ``('rgb', 'depth', 'thermal',
                'parsing')`` to return (parsing and depth are always
                computed).

        Returns:
            dict: ``rgb`` (S, S, 3) uint8 **RGB**; ``depth`` (S, S) float32
            mm (background = 1500); ``thermal`` (S, S) float32 °C;
            ``parsing`` (S, S) uint8; ``landmarks`` (48, 2) float32 pixel
            (x, y); ``au_int`` (17,) float32; ``arousal``; ``view``.
        """
        rng = as_rng(seed)
        au = au_vector(au)
        view = dict(sample_view(domain, rng) if view is None else view)
        view.update(view_overrides or {})
        if arousal is None:
            arousal = arousal_from_aus(au)
        noise_rng = np.random.default_rng(view['noise_seed'])
        cv = self.canvas
        S = self.size

        # Canonical frontal frame.
        shape = build_face_shape(subject, au)
        parsing_c = rasterize_parsing(shape, subject, cv)     # (S, S)
        z_c = height_field(shape, subject, parsing_c, cv)      # (S, S)
        alb_c = albedo(shape, subject, parsing_c, cv, view['gaze'],
                       self._pattern(subject.texture_seed))     # (S, S, 3)
        want_t = 'thermal' in modalities
        if want_t:
            t_c = thermal_field(shape, subject, parsing_c, z_c, cv, arousal)
        lm_c = cv.to_px(shape['landmarks'])                     # (48, 2)

        # One warp for every modality.
        warp = PoseWarp(view, cv)
        if warp.identity:
            parsing, alb, landmarks = parsing_c, alb_c, lm_c
            depth = warp.depth_mm(z_c)
            t_v = t_c if want_t else None
        else:
            mx, my = warp.maps(z_c)
            parsing = warp.remap(parsing_c, mx, my, nearest=True)
            z_v = warp.remap(z_c, mx, my)
            depth = warp.depth_mm(z_v, mx, my)
            alb = warp.remap(alb_c, mx, my)
            t_v = warp.remap(t_c, mx, my) if want_t else None
            landmarks = warp.forward(lm_c, z_c)
        face = parsing != P['background']

        out = dict(parsing=parsing, landmarks=landmarks.astype(np.float32),
                   au_int=au, arousal=float(arousal), view=view)
        if 'rgb' in modalities:
            shade = self._shading(depth, view)                  # (S, S)
            gain = np.asarray(view['color_gain'], np.float32)
            face_rgb = alb * (255.0 * shade)[..., None] * gain
            rgb = np.where(face[..., None], face_rgb, background(view, S))
            out['rgb'] = (degrade_rgb(rgb.astype(np.float32), view, noise_rng)
                          if noise else
                          np.clip(np.rint(rgb), 0, 255).astype(np.uint8))
        if 'depth' in modalities:
            depth = np.where(face, depth, DEPTH_BACKGROUND_MM)
            out['depth'] = (degrade_depth(depth, face, view, noise_rng)
                            if noise else depth.astype(np.float32))
        if want_t:
            bg_t = view['bg_temperature'] + 0.5 * np.linspace(
                -1, 1, S, dtype=np.float32)[:, None]
            t_v = np.where(face, t_v, bg_t).astype(np.float32)
            out['thermal'] = (degrade_thermal(t_v, view, noise_rng)
                              if noise else t_v)
        return out

    def _shading(self, depth, view):
        """Lambertian shading from depth normals, (S, S) float32.

        Normal n = (dD/dx, dD/dy, 1) / |.| with D the depth in mm and x, y
        in mm; shade = ambient + intensity * max(n . light, 0).
        """
        mm_per_px = UNIT_MM / self.canvas.px_per_unit
        gy, gx = np.gradient(depth.astype(np.float32))
        nx, ny = gx / mm_per_px, gy / mm_per_px
        norm = np.sqrt(nx * nx + ny * ny + 1.0)
        L = view['light']
        lam = np.clip((nx * L[0] + ny * L[1] + L[2]) / norm, 0.0, None)
        return (view['ambient'] + view['light_intensity'] * lam).astype(
            np.float32)
