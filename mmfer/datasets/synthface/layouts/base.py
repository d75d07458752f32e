"""Base class of the on-disk layout writers."""
import numpy as np

from ..constants import AU_IDS, AU_INDEX, AU_OCCURRENCE_THRESHOLD
from ..identity import sample_subject
from ..renderer import SynthFaceRenderer


def round_robin(parts, n):
    """The first n ids taking one from each part in turn."""
    out, k = [], 0
    while len(out) < n and k < max(len(p) for p in parts):
        out += [p[k] for p in parts if k < len(p)]
        k += 1
    if n > len(out):
        raise ValueError(f'at most {len(out)} subjects exist in this layout, '
                         f'got subjects={n}')
    return out[:n]


def occurrence(au_int):
    """0/1 occurrence (intensity >= AU_OCCURRENCE_THRESHOLD)."""
    return (np.asarray(au_int) >= AU_OCCURRENCE_THRESHOLD).astype(int)


def au_column(au_int_seq, au):
    """Per-frame intensity of AU number ``au`` (zeros if not rendered)."""
    au_int_seq = np.asarray(au_int_seq)
    if au not in AU_INDEX:
        return np.zeros(len(au_int_seq))
    return au_int_seq[:, AU_INDEX[au]]


class LayoutWriter:
    """One on-disk layout.

    Subclasses set ``name``, ``defaults`` (every accepted argument with its
    default) and implement :meth:`subject_ids`, :meth:`write_subject` (runs
    in a worker; returns picklable records) and :meth:`finalize` (writes
    split files; returns extra ``meta.json`` entries).
    """
    name = None
    defaults = {}

    def __init__(self, args):
        self.args = args
        self.renderer = SynthFaceRenderer(args['size'])

    def subject_ids(self, n):
        return [f'S{i + 1:03d}' for i in range(n)]

    def subject(self, index, sid):
        sex = sid[0] if sid[0] in 'FM' else None
        return sample_subject(self.args['seed'], index, sex=sex)

    def write_subject(self, root, index, sid):
        raise NotImplementedError

    def finalize(self, root, results):
        return {}


__all__ = ['LayoutWriter', 'round_robin', 'occurrence', 'au_column', 'AU_IDS']
