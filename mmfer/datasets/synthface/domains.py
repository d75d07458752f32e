"""Domain ("database") presets: pose, illumination, camera and sensor nuisance.

A domain is a dict of *ranges*; :func:`sample_view` draws one concrete view
(a dict of scalars) from it.  Ranges are ``(low, high)`` tuples sampled
uniformly; symmetric pose ranges are given as a maximum absolute angle.
"""
import numpy as np

#: Every key a domain may set, with the neutral ("no nuisance") value.
DOMAIN_DEFAULTS = dict(
    yaw=0.0,                  # max |yaw| in degrees
    pitch=0.0,                # max |pitch| in degrees
    roll=0.0,                 # max |roll| in degrees
    scale=(1.0, 1.0),         # face scale factor range
    shift=0.0,                # max |translation| as a fraction of the size
    light_azimuth=(0.0, 0.0),     # degrees, 0 = frontal, + = from the right
    light_elevation=(60.0, 60.0),  # degrees above the horizon
    light_intensity=(0.8, 0.8),
    ambient=(0.4, 0.4),
    color_gain=0.0,           # max per-channel multiplicative colour cast
    blur=(0.0, 0.0),          # gaussian sigma in pixels at size 112
    gauss_noise=(0.0, 0.0),   # std of additive noise in uint8 levels
    jpeg_quality=None,        # (low, high) or None for no JPEG artefacts
    lowres=(1.0, 1.0),        # render-then-upscale factor (1 = native)
    background='flat',        # 'flat' | 'gradient' | 'clutter'
    background_level=(110.0, 140.0),  # mean background grey level
    bg_temperature=(22.0, 24.0),  # °C
    thermal_noise=0.0,        # std in °C
    thermal_blur=0.6,         # gaussian sigma in pixels at size 112
    depth_noise=0.0,          # std in mm
    camera_distance=(600.0, 600.0),  # mm from camera to the face base plane
)

#: Named presets; each overrides :data:`DOMAIN_DEFAULTS`.
DOMAIN_PRESETS = {
    # Everything off: frontal, even light, no sensor noise.  For tests.
    'clean': dict(),
    # BP4D-like: near-frontal, bright diffuse frontal light, high quality.
    'lab': dict(yaw=5.0, pitch=4.0, roll=3.0, scale=(0.97, 1.03), shift=0.02,
                light_azimuth=(-20.0, 20.0), light_elevation=(50.0, 70.0),
                light_intensity=(0.8, 0.95), ambient=(0.35, 0.45),
                color_gain=0.04, blur=(0.0, 0.4), gauss_noise=(1.0, 3.0),
                jpeg_quality=(85, 95), background='flat',
                bg_temperature=(22.0, 24.0), thermal_noise=0.05,
                depth_noise=0.5),
    # Same rig, dim and side-lit, noisier sensor.
    'lab_dark': dict(yaw=5.0, pitch=4.0, roll=3.0, scale=(0.97, 1.03),
                     shift=0.02, light_azimuth=(-55.0, 55.0),
                     light_elevation=(20.0, 50.0),
                     light_intensity=(0.35, 0.55), ambient=(0.1, 0.2),
                     color_gain=0.06, blur=(0.2, 0.6),
                     gauss_noise=(4.0, 8.0), jpeg_quality=(80, 92),
                     background='gradient', background_level=(30.0, 60.0),
                     bg_temperature=(21.0, 23.0), thermal_noise=0.08,
                     depth_noise=1.0),
    # In-the-wild (DFEW/MAFW-like): pose, clutter, colour cast, blur, JPEG.
    'wild': dict(yaw=30.0, pitch=15.0, roll=12.0, scale=(0.88, 1.08),
                 shift=0.06, light_azimuth=(-80.0, 80.0),
                 light_elevation=(10.0, 70.0), light_intensity=(0.5, 1.1),
                 ambient=(0.2, 0.5), color_gain=0.2, blur=(0.0, 1.5),
                 gauss_noise=(2.0, 8.0), jpeg_quality=(40, 80),
                 background='clutter', background_level=(40.0, 200.0),
                 bg_temperature=(18.0, 28.0), thermal_noise=0.12,
                 thermal_blur=1.0, depth_noise=3.0,
                 camera_distance=(500.0, 800.0)),
    # Low-resolution surveillance-like camera: rendered small, upscaled.
    'lowres': dict(yaw=8.0, pitch=6.0, roll=5.0, scale=(0.95, 1.05),
                   shift=0.03, light_azimuth=(-30.0, 30.0),
                   light_elevation=(40.0, 70.0), light_intensity=(0.7, 0.9),
                   ambient=(0.3, 0.45), color_gain=0.08, blur=(0.5, 1.0),
                   gauss_noise=(2.0, 5.0), jpeg_quality=(50, 75),
                   lowres=(0.2, 0.35), background='gradient',
                   thermal_noise=0.1, thermal_blur=1.2, depth_noise=2.0),
}
#: Preset names in a fixed order (a preset's domain id is its index here).
DOMAIN_NAMES = tuple(DOMAIN_PRESETS)


def resolve_domain(domain):
    """Turn a preset name or a parameter dict into a full domain dict.

    Args:
        domain (str | dict): a key of :data:`DOMAIN_PRESETS`, or a dict of
            :data:`DOMAIN_DEFAULTS` keys; a dict may name a ``'base'`` preset
            that it overrides (default: all-neutral defaults).

    Returns:
        dict: every key of :data:`DOMAIN_DEFAULTS`.

    Raises:
        ValueError: for an unknown preset or key (the message lists the
            valid ones).
    """
    if isinstance(domain, str):
        if domain not in DOMAIN_PRESETS:
            raise ValueError(f'unknown SynthFace domain {domain!r}; valid '
                             f'presets: {", ".join(DOMAIN_NAMES)}')
        return {**DOMAIN_DEFAULTS, **DOMAIN_PRESETS[domain]}
    if not isinstance(domain, dict):
        raise TypeError(f'domain must be a preset name or a dict, got '
                        f'{type(domain).__name__}')
    params = dict(domain)
    base = resolve_domain(params.pop('base', 'clean'))
    unknown = set(params) - set(DOMAIN_DEFAULTS)
    if unknown:
        raise ValueError(f'unknown SynthFace domain keys {sorted(unknown)}; '
                         f'valid keys: {", ".join(DOMAIN_DEFAULTS)}')
    return {**base, **params}


def _uniform(rng, rng_range):
    low, high = rng_range
    return float(low + (high - low) * rng.random())


def sample_view(domain, rng):
    """Draw one concrete view (pose, light, sensor settings) from a domain.

    Always consumes the same number of random draws whatever the domain, so
    two renders that share a seed share their view even if their AUs differ.

    Args:
        domain (str | dict): see :func:`resolve_domain`.
        rng (np.random.Generator): source of randomness.

    Returns:
        dict: scalars ``yaw, pitch, roll`` (degrees), ``scale``, ``shift_x``,
        ``shift_y`` (fractions of the size), ``light`` (unit 3-vector, x
        right, y down, z toward the camera), ``light_intensity``,
        ``ambient``, ``color_gain`` (3 gains, RGB), ``blur``,
        ``gauss_noise``, ``jpeg_quality`` (int or None), ``lowres``,
        ``background``, ``background_level``, ``background_seed``,
        ``bg_temperature``, ``thermal_noise``, ``thermal_blur``,
        ``depth_noise``, ``camera_distance``, ``gaze`` (2 floats in
        [-1, 1]) and ``noise_seed``.
    """
    d = resolve_domain(domain)
    sym = rng.uniform(-1.0, 1.0, size=5)
    az = np.deg2rad(_uniform(rng, d['light_azimuth']))
    el = np.deg2rad(_uniform(rng, d['light_elevation']))
    # Light from above-front: y is down, so "above" is negative y.
    light = np.array([np.sin(az) * np.cos(el), -np.sin(el),
                      np.cos(az) * np.cos(el)])
    light = light / np.linalg.norm(light)
    view = dict(
        yaw=float(d['yaw'] * sym[0]), pitch=float(d['pitch'] * sym[1]),
        roll=float(d['roll'] * sym[2]), scale=_uniform(rng, d['scale']),
        shift_x=float(d['shift'] * sym[3]),
        shift_y=float(d['shift'] * sym[4]), light=light,
        light_intensity=_uniform(rng, d['light_intensity']),
        ambient=_uniform(rng, d['ambient']),
        color_gain=1.0 + d['color_gain'] * rng.uniform(-1.0, 1.0, size=3),
        blur=_uniform(rng, d['blur']),
        gauss_noise=_uniform(rng, d['gauss_noise']),
        lowres=_uniform(rng, d['lowres']),
        background=d['background'],
        background_level=_uniform(rng, d['background_level']),
        bg_temperature=_uniform(rng, d['bg_temperature']),
        thermal_noise=float(d['thermal_noise']),
        thermal_blur=float(d['thermal_blur']),
        depth_noise=float(d['depth_noise']),
        camera_distance=_uniform(rng, d['camera_distance']),
        gaze=rng.uniform(-1.0, 1.0, size=2) * 0.5,
    )
    q = rng.random()
    view['jpeg_quality'] = (None if d['jpeg_quality'] is None else int(
        round(d['jpeg_quality'][0] +
              (d['jpeg_quality'][1] - d['jpeg_quality'][0]) * q)))
    seeds = rng.integers(0, 2**31, size=2)
    view['background_seed'] = int(seeds[0])
    view['noise_seed'] = int(seeds[1])
    return view
