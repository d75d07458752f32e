"""Sampling AU intensities and arousal for an expression label."""
import numpy as np

from .constants import (AU_IDS, AU_INDEX, EXPRESSION_AROUSAL,
                        EXPRESSION_PROTOTYPES, EXTENDED_EXPRESSIONS, NUM_AUS,
                        TASK_EXPRESSIONS)


def check_expression(expression):
    if expression not in EXPRESSION_PROTOTYPES:
        raise ValueError(f'unknown expression {expression!r}; valid: '
                         f'{", ".join(EXTENDED_EXPRESSIONS + TASK_EXPRESSIONS)}')


def prototype_intensities(expression):
    """The apex AU intensity vector of a prototype (core + optional AUs).

    Returns:
        np.ndarray: (NUM_AUS,) float32 on the 0-5 scale.
    """
    check_expression(expression)
    proto = EXPRESSION_PROTOTYPES[expression]
    out = np.zeros(NUM_AUS, np.float32)
    for au, val in {**proto['core'], **proto['optional']}.items():
        out[AU_INDEX[au]] = val
    return out


def sample_expression(expression, rng, intensity_range=(0.35, 1.3),
                      p_optional=0.5, p_distractor=0.35, jitter=0.25):
    """Sample one AU configuration expressing ``expression``.

    Variation: a global intensity scale drawn from ``intensity_range``
    (low values give subtle expressions), per-AU multiplicative jitter,
    optional AUs dropped with probability ``1 - p_optional``, and with
    probability ``p_distractor`` one or two unrelated AUs at 0.3-1.5.

    Args:
        expression (str): a name in :data:`EXTENDED_EXPRESSIONS`.
        rng (np.random.Generator): randomness (a fixed number of draws).

    Returns:
        tuple: ``(au_int, arousal)``: (NUM_AUS,) float32 intensities clipped
        to [0, 5], and a float arousal in [0, 1].
    """
    check_expression(expression)
    proto = EXPRESSION_PROTOTYPES[expression]
    scale = rng.uniform(*intensity_range)
    per_au = 1.0 + jitter * rng.uniform(-1.0, 1.0, size=NUM_AUS)
    keep_optional = rng.random(NUM_AUS) < p_optional
    n_distract = int(rng.random() < p_distractor) * (1 + int(rng.random() < 0.3))
    distract_aus = rng.choice(NUM_AUS, size=2, replace=False)
    distract_val = rng.uniform(0.3, 1.5, size=2)
    arousal_jitter = rng.uniform(-0.1, 0.1)

    au = np.zeros(NUM_AUS, np.float64)
    for k, val in proto['core'].items():
        i = AU_INDEX[k]
        au[i] = val * scale * per_au[i]
    for k, val in proto['optional'].items():
        i = AU_INDEX[k]
        if keep_optional[i]:
            au[i] = val * scale * per_au[i]
    for j in range(n_distract):
        i = distract_aus[j]
        au[i] = max(au[i], distract_val[j])
    arousal = EXPRESSION_AROUSAL[expression] * (0.6 + 0.4 * min(scale, 1.0))
    arousal = float(np.clip(arousal + arousal_jitter, 0.0, 1.0))
    return np.clip(au, 0.0, 5.0).astype(np.float32), arousal


def au_vector(au):
    """Normalise an AU specification to a (NUM_AUS,) float32 array.

    Args:
        au (dict | array-like | None): ``{12: 3.0}``, ``{'AU12': 3.0}`` or a
            length-NUM_AUS sequence in :data:`AU_IDS` order.
    """
    out = np.zeros(NUM_AUS, np.float32)
    if au is None:
        return out
    if isinstance(au, dict):
        for key, val in au.items():
            k = int(key[2:]) if isinstance(key, str) and key.upper().startswith(
                'AU') else int(key)
            if k not in AU_INDEX:
                raise ValueError(f'AU{k} is not rendered; rendered AUs: '
                                 f'{list(AU_IDS)}')
            out[AU_INDEX[k]] = val
    else:
        arr = np.asarray(au, np.float32)
        if arr.shape != (NUM_AUS, ):
            raise ValueError(f'AU array must have shape ({NUM_AUS},), got '
                             f'{arr.shape}')
        out[:] = arr
    return np.clip(out, 0.0, 5.0)


def arousal_from_aus(au):
    """A rough arousal estimate in [0, 1] from AU intensities (0-5)."""
    a = au_vector(au) / 5.0
    w = {5: 0.35, 26: 0.2, 20: 0.3, 4: 0.2, 7: 0.15, 23: 0.15, 1: 0.1, 2: 0.1,
         12: 0.1, 6: 0.1}
    return float(np.clip(0.1 + sum(v * a[AU_INDEX[k]] for k, v in w.items()),
                         0.0, 1.0))
