"""Deterministic random streams derived from integer keys.

Every random quantity in SynthFace comes from ``np.random.default_rng``
seeded by a :class:`numpy.random.SeedSequence` over a tuple of ints, e.g.
``(seed, STREAM_SAMPLE, subject, index)``; the global RNG is never used.
"""
import numpy as np

# Stream tags keep independent quantities on independent streams.
STREAM_SUBJECT = 1
STREAM_SAMPLE = 2
STREAM_CLIP = 3
STREAM_AUDIO = 4
STREAM_LAYOUT = 5


def make_rng(*keys):
    """Return a fresh generator for the given non-negative int keys.

    >>> float(make_rng(0, 1).random()) == float(make_rng(0, 1).random())
    True
    """
    return np.random.default_rng(np.random.SeedSequence([int(k) for k in keys]))


def as_rng(seed):
    """Accept a Generator, a SeedSequence, an int or a tuple of ints."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (tuple, list)):
        return make_rng(*seed)
    return np.random.default_rng(seed)
