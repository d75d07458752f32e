"""MAFW layout (see ``DATASETS.md``), 11 classes.

::

    DIR/data/clips/<id:05d>.mp4            videos=True (mp4v)
    DIR/data/frames/<id:05d>/<k:05d>.jpg   k 1-based
    DIR/clips_faces/<id:05d>/<k>.jpg       MMA-DFER faces, k 0-based unpadded
    DIR/clips_wav/<id:05d>.wav             16 kHz; ~missing_audio clips lack it
    DIR/Train & Test Set/single/no_caption/set_<f>/{train,test}.txt
                                           lines "00025.mp4 anger"
"""
from ..constants import EXTENDED_EXPRESSIONS
from ..seeding import STREAM_LAYOUT, make_rng
from .clips import ClipLayout
from .io import write_lines, write_rgb, write_video, write_wav


class MAFWLayout(ClipLayout):
    """``--layout mafw``."""
    name = 'mafw'
    defaults = dict(subjects=5, samples=4, frames=24, size=224, seed=0,
                    fps=25, videos=False, missing_audio=0.05, domain='wild')
    classes = EXTENDED_EXPRESSIONS

    def missing_audio_ids(self):
        """Clip ids without a wav: round(p * N) of them (at least 1 if p>0)."""
        a = self.args
        n = a['subjects'] * a['samples']
        k = max(1, int(round(a['missing_audio'] * n))) \
            if a['missing_audio'] > 0 else 0
        rng = make_rng(a['seed'], STREAM_LAYOUT, 2)
        return sorted(int(i) + 1 for i in rng.choice(n, size=min(k, n),
                                                    replace=False))

    def write_subject(self, root, index, sid):
        a = self.args
        missing = set(self.missing_audio_ids())
        records = []
        for c in self.clips(index, sid):
            name = f'{c["id"]:05d}'
            for k, frame in enumerate(c['rgb']):
                write_rgb(root / 'data' / 'frames' / name / f'{k + 1:05d}.jpg',
                          frame)
                write_rgb(root / 'clips_faces' / name / f'{k}.jpg', frame)
            if a['videos']:
                write_video(root / 'data' / 'clips' / f'{name}.mp4', c['rgb'],
                            a['fps'], ('mp4v', ))
            if c['id'] not in missing:
                write_wav(root / 'clips_wav' / f'{name}.wav', c['audio'])
            records.append(dict(id=c['id'], expression=c['expression'],
                                fold=c['fold']))
        return records

    def finalize(self, root, results):
        recs = [r for rs in results for r in rs]
        base = root / 'Train & Test Set' / 'single' / 'no_caption'
        for f in range(5):
            for split in ('train', 'test'):
                sel = [r for r in recs if (r['fold'] == f) == (split == 'test')]
                write_lines(base / f'set_{f + 1}' / f'{split}.txt',
                            [f'{r["id"]:05d}.mp4 {r["expression"]}'
                             for r in sel])
        return dict(missing_audio=[f'{i:05d}' for i in
                                   self.missing_audio_ids()],
                    classes=list(EXTENDED_EXPRESSIONS))

