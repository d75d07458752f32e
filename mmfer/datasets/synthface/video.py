"""Expression clips: onset-apex-offset dynamics plus slight head motion."""
import numpy as np

from .constants import EXPRESSION_HEAD_MOTION, NUM_AUS
from .domains import sample_view
from .expressions import arousal_from_aus, au_vector, sample_expression
from .renderer import MODALITIES
from .seeding import as_rng


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def expression_envelope(num_frames, rng):
    """Intensity envelope over a clip: 0 -> onset -> apex (1) -> offset.

    The apex frame is drawn in the middle 40% of the clip (never the first
    or last frame); onset starts in the first half before the apex and the
    offset ends in the second half after it, leaving a small residual.

    Args:
        num_frames (int): T >= 3.
        rng (np.random.Generator): randomness.

    Returns:
        tuple: ``(envelope, apex)``: (T,) float32 in [0, 1] with
        ``envelope[apex] == 1``, and the int apex index.
    """
    T = int(num_frames)
    if T < 3:
        raise ValueError(f'a clip needs at least 3 frames, got {T}')
    u = rng.random(5)
    apex = int(np.clip(round((0.3 + 0.4 * u[0]) * (T - 1)), 1, T - 2))
    start = u[1] * 0.5 * apex                      # onset begins
    hold = u[2] * 0.15 * (T - 1)                   # apex plateau
    end = apex + hold + (0.5 + 0.5 * u[3]) * (T - 1 - apex - hold)
    end = max(end, apex + hold + 1e-3)
    residual = 0.1 * u[4]
    t = np.arange(T, dtype=np.float64)
    rise = _smoothstep((t - start) / max(apex - start, 1e-6))
    fall = residual + (1 - residual) * (1 - _smoothstep(
        (t - apex - hold) / max(end - apex - hold, 1e-6)))
    env = np.where(t <= apex, rise, np.where(t <= apex + hold, 1.0, fall))
    env[apex] = 1.0
    return env.astype(np.float32), apex


def render_clip(renderer, subject, expression=None, num_frames=16,
                domain='lab', seed=0, *, au_apex=None, arousal=None,
                noise=True, modalities=MODALITIES, yaw_offset=0.0):
    """Render a clip of one expression episode.

    The apex AU configuration (sampled from ``expression`` unless given)
    is scaled per frame by :func:`expression_envelope`; the view (domain
    nuisance) is drawn once and the head drifts slowly (+-2 degrees), with
    expression-specific extra motion (e.g. head down for helplessness,
    fidgeting for anxiety).

    Args:
        renderer (SynthFaceRenderer): the renderer (fixes the size).
        subject (SubjectParams): identity.
        expression (str, optional): expression name; needed unless
            ``au_apex`` is given.
        num_frames (int): T.
        domain (str | dict): domain preset or dict.
        seed (int | tuple | np.random.Generator): randomness.
        au_apex (dict | array-like, optional): apex AU intensities.
        arousal (float, optional): apex arousal (default: from the
            expression sample, or estimated from the AUs).
        noise (bool): sensor degradations on/off.
        modalities (tuple): which image modalities to return.
        yaw_offset (float): degrees added to every frame's yaw (a second
            camera filming the same episode: same seed, other offset).

    Returns:
        dict: per-frame stacks ``rgb`` (T, S, S, 3) uint8 RGB, ``depth`` /
        ``thermal`` (T, S, S) float32, ``parsing`` (T, S, S) uint8 (those
        requested), ``landmarks`` (T, 48, 2), ``au_int`` (T, 17) float32,
        ``envelope`` (T,), ``arousal`` (T,), ``pose`` (T, 3) yaw/pitch/roll
        degrees, plus ``apex`` (int), ``au_apex`` (17,) and ``expression``.
    """
    rng = as_rng(seed)
    if au_apex is None:
        if expression is None:
            raise ValueError('render_clip needs an expression or au_apex')
        au_apex, sampled_arousal = sample_expression(expression, rng)
    else:
        au_apex = au_vector(au_apex)
        sampled_arousal = arousal_from_aus(au_apex)
    apex_arousal = sampled_arousal if arousal is None else float(arousal)
    env, apex = expression_envelope(num_frames, rng)
    view = sample_view(domain, rng)
    motion = EXPRESSION_HEAD_MOTION.get(expression, {})
    T = int(num_frames)
    t = np.arange(T) / max(T - 1, 1)
    phase = rng.uniform(0, 2 * np.pi, size=6)
    drift = 2.0 * np.sin(2 * np.pi * 0.5 * t[:, None] + phase[None, :3])
    fidget = motion.get('fidget', 0.3) * np.sin(
        2 * np.pi * (3 + 2 * rng.random()) * t[:, None] + phase[None, 3:])
    pose = np.array([view['yaw'], view['pitch'], view['roll']])[None] + \
        drift + fidget                                          # (T, 3)
    pose[:, 1] += motion.get('pitch', 0.0) * env
    pose[:, 0] += yaw_offset
    noise_seeds = rng.integers(0, 2**31, size=T)

    au_int = (env[:, None] * au_apex[None, :]).astype(np.float32)  # (T, 17)
    arousal_t = (0.1 + (apex_arousal - 0.1) * env).astype(np.float32)
    frames = []
    for k in range(T):
        frames.append(renderer.render(
            subject, au_int[k], view=view, arousal=float(arousal_t[k]),
            noise=noise, modalities=modalities,
            view_overrides=dict(yaw=float(pose[k, 0]),
                                pitch=float(pose[k, 1]),
                                roll=float(pose[k, 2]),
                                noise_seed=int(noise_seeds[k]))))
    out = {m: np.stack([f[m] for f in frames]) for m in modalities}
    out.update(landmarks=np.stack([f['landmarks'] for f in frames]),
               au_int=au_int, envelope=env, arousal=arousal_t,
               pose=pose.astype(np.float32), apex=apex,
               au_apex=np.asarray(au_apex, np.float32),
               expression=expression)
    assert out['au_int'].shape == (T, NUM_AUS)
    return out
