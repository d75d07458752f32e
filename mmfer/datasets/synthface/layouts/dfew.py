"""DFEW layout (see ``DATASETS.md``).

::

    DIR/Clip/clip_224x224/<id:05d>/<k:05d>.jpg    all frames, k 1-based
    DIR/Clip/clip_224x224_16f/<id:05d>/<k>.jpg    k = 1..16 (uniform)
    DIR/EmoLabel_DataSplit/{train,test}(single-labeled)/set_<f>.csv
                                       header video_name,label (unpadded id)
    DIR/annotation/DFEW_set_<f>_{train,test}.txt
                                       "Clip/clip_224x224/<id:05d> <T> <label-1>"
    DIR/raw_wav/<id>.wav               16 kHz mono 16-bit, unpadded id

Labels: 1 Happy, 2 Sad, 3 Neutral, 4 Angry, 5 Surprise, 6 Disgust, 7 Fear
(mapped from SynthFace names).  The folder names say 224x224 whatever
``size`` is.  Each clip is in exactly one test fold.
"""
from ..constants import EXPRESSIONS
from .clips import ClipLayout, uniform_indices
from .io import write_csv, write_lines, write_rgb, write_wav

#: DFEW label id -> SynthFace expression.
DFEW_LABELS = {1: 'happiness', 2: 'sadness', 3: 'neutral', 4: 'anger',
               5: 'surprise', 6: 'disgust', 7: 'fear'}
DFEW_LABEL_OF = {v: k for k, v in DFEW_LABELS.items()}


class DFEWLayout(ClipLayout):
    """``--layout dfew``."""
    name = 'dfew'
    defaults = dict(subjects=5, samples=4, frames=24, size=224, seed=0,
                    fps=25, domain='wild')
    classes = EXPRESSIONS

    def write_subject(self, root, index, sid):
        records = []
        for c in self.clips(index, sid):
            name = f'{c["id"]:05d}'
            for k, frame in enumerate(c['rgb']):
                write_rgb(root / 'Clip' / 'clip_224x224' / name /
                          f'{k + 1:05d}.jpg', frame)
            for k, t in enumerate(uniform_indices(len(c['rgb']), 16)):
                write_rgb(root / 'Clip' / 'clip_224x224_16f' / name /
                          f'{k + 1}.jpg', c['rgb'][t])
            write_wav(root / 'raw_wav' / f'{c["id"]}.wav', c['audio'])
            records.append(dict(id=c['id'], label=DFEW_LABEL_OF[c['expression']],
                                fold=c['fold'], frames=c['frames']))
        return records

    def finalize(self, root, results):
        recs = [r for rs in results for r in rs]
        split_dir = root / 'EmoLabel_DataSplit'
        for f in range(5):
            for split in ('train', 'test'):
                sel = [r for r in recs if (r['fold'] == f) == (split == 'test')]
                write_csv(split_dir / f'{split}(single-labeled)' /
                          f'set_{f + 1}.csv',
                          [[r['id'], r['label']] for r in sel],
                          header=['video_name', 'label'])
                write_lines(root / 'annotation' /
                            f'DFEW_set_{f + 1}_{split}.txt',
                            [f'Clip/clip_224x224/{r["id"]:05d} {r["frames"]} '
                             f'{r["label"] - 1}' for r in sel])
        return dict(dfew_labels={str(k): v for k, v in DFEW_LABELS.items()})
