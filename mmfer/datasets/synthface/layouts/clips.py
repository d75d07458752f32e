"""Shared machinery of the in-the-wild clip layouts (DFEW, MAFW)."""
import numpy as np

from ..audio import synthesize_speech_audio
from ..seeding import STREAM_AUDIO, STREAM_CLIP, make_rng
from ..video import render_clip
from .base import LayoutWriter


class ClipLayout(LayoutWriter):
    """``samples`` clips per subject, ids 1.. in subject order.

    Clip lengths vary by +-25% around ``frames``; audio lasts
    ``T / fps`` seconds.  Subclasses set ``classes`` (expression names).
    """
    classes = ()

    def clip_id(self, index, j):
        return index * self.args['samples'] + j + 1

    def fold(self, index, clip_id):
        """Test fold 0-4: by subject if >= 5 subjects, else by clip id."""
        if self.args['subjects'] >= 5:
            return index % 5
        return (clip_id - 1) % 5

    def clips(self, index, sid):
        """Yield dicts (id, expression, rgb (T,S,S,3), audio) per clip."""
        a = self.args
        subj = self.subject(index, sid)
        for j in range(a['samples']):
            cid = self.clip_id(index, j)
            rng = make_rng(a['seed'], STREAM_CLIP, index, j)
            expr = self.classes[int(rng.integers(len(self.classes)))]
            T = max(8, int(round(a['frames'] * rng.uniform(0.75, 1.25))))
            clip = render_clip(self.renderer, subj, expr, T, a['domain'], rng,
                               modalities=('rgb', ))
            wav = synthesize_speech_audio(
                expr, subj, T / a['fps'], sr=16000,
                rng=make_rng(a['seed'], STREAM_AUDIO, index, j))
            yield dict(id=cid, expression=expr, rgb=clip['rgb'], audio=wav,
                       fold=self.fold(index, cid), frames=T)


def uniform_indices(num_frames, k):
    """k frame indices spread uniformly over a clip (repeats if short)."""
    return np.linspace(0, num_frames - 1, k).round().astype(int)
