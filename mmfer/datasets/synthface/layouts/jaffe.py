"""JAFFE layout (see ``DATASETS.md``).

::

    DIR/jaffedbase/<SUBJ>.<EXPR><repeat>.<serial>.tiff
                    e.g. KA.AN1.39.tiff; grey, size x size (256 in JAFFE)

Subjects KA KL KM KR MK NA NM TM UY YM (at most 10, all female, as in
JAFFE); codes AN DI FE HA NE SA SU; ``samples`` repeats (1, 2, ...) of
each of the 7 expressions per subject; serial numbers run through the
dataset in subject, code, repeat order. The look: a frontal grey lab
(posed, even light, flat background, lossless TIFF).
"""
from pathlib import Path

import cv2

from ..identity import sample_subject
from .face_images import FaceImageLayout, to_grey

JAFFE_SUBJECTS = ('KA', 'KL', 'KM', 'KR', 'MK', 'NA', 'NM', 'TM', 'UY', 'YM')
#: JAFFE expression code -> SynthFace expression, in code order.
JAFFE_CODES = {'AN': 'anger', 'DI': 'disgust', 'FE': 'fear',
               'HA': 'happiness', 'NE': 'neutral', 'SA': 'sadness',
               'SU': 'surprise'}

#: JAFFE's look: frontal posed faces in a grey lab.
JAFFE_LOOK = dict(base='lab', yaw=3.0, pitch=3.0, roll=2.0,
                  scale=(0.98, 1.02), shift=0.01, color_gain=0.0,
                  light_azimuth=(-10.0, 10.0), blur=(0.0, 0.3),
                  gauss_noise=(0.5, 2.0), jpeg_quality=None,
                  background='flat', background_level=(150.0, 180.0))


class JAFFELayout(FaceImageLayout):
    """``--layout jaffe``: ``samples`` repeats of each code per subject."""
    name = 'jaffe'
    defaults = dict(subjects=10, samples=2, size=64, seed=0)
    classes = tuple(JAFFE_CODES.values())
    look = JAFFE_LOOK
    grey = True

    def subject_ids(self, n):
        if n > len(JAFFE_SUBJECTS):
            raise ValueError(f'JAFFE has {len(JAFFE_SUBJECTS)} subjects '
                             f'({", ".join(JAFFE_SUBJECTS)}); got '
                             f'subjects={n}')
        return list(JAFFE_SUBJECTS[:n])

    def subject(self, index, sid):
        return sample_subject(self.args['seed'], index, sex='F')

    def write_subject(self, root, index, sid):
        a = self.args
        subject = self.subject(index, sid)
        out_dir = Path(root) / 'jaffedbase'
        out_dir.mkdir(parents=True, exist_ok=True)
        names = []
        for c, (code, expr) in enumerate(JAFFE_CODES.items()):
            for r in range(a['samples']):
                j = c * a['samples'] + r
                serial = index * 7 * a['samples'] + j + 1
                rgb = self.face(subject, expr, self.rng(index, j))['rgb']
                name = f'{sid}.{code}{r + 1}.{serial}.tiff'
                if not cv2.imwrite(str(out_dir / name), to_grey(rgb)):
                    raise OSError(f'cv2.imwrite failed for {out_dir / name}')
                names.append(name)
        return names

    def finalize(self, root, results):
        return dict(jaffe_codes=dict(JAFFE_CODES))
