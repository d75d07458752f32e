"""AffectNet (manually annotated part) layout (see ``DATASETS.md``).

::

    DIR/Manually_Annotated_file_lists/{training,validation}.csv
        header subDirectory_filePath,face_x,face_y,face_width,face_height,
               facial_landmarks,expression,valence,arousal
    DIR/Manually_Annotated/Manually_Annotated_Images/<subdir>/<sha224>.jpg
        whole images (2 x size); the face is the box face_x,y,w,h

``expression``: 0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear, 5 Disgust,
6 Anger, 7 Contempt, 8 None, 9 Uncertain, 10 Non-Face. The writer draws
codes 0-6 with probability 0.12 each, contempt 0.06 and the three
non-expression codes 0.04 / 0.03 / 0.03: ``None`` renders an emotion
outside the eight (MAFW's anxiety / helplessness / disappointment),
``Uncertain`` a random basic expression, ``Non-Face`` an image without a
face (a random box). ``facial_landmarks`` is one ';'-separated field
``x1;y1;x2;y2;...`` of SynthFace's 48 points (AffectNet's files have 68);
valence / arousal are in [-1, 1] (nominal circumplex values of the
expression, jittered) and -2 (invalid) for codes 8-10 (a SynthFace choice:
DATASETS.md only says -2 = invalid). Every
fifth image (global number ``k % 5 == 4``) is in ``validation.csv``. The
look: the wildest of the databases (large pose, strong colour casts, blur,
heavy JPEG).
"""
import hashlib

import numpy as np

from .face_images import FaceImageLayout, sample_number
from .io import write_csv, write_rgb

#: AffectNet expression code -> SynthFace expression (None for 8-10).
AFFECTNET_LABELS = {0: 'neutral', 1: 'happiness', 2: 'sadness',
                    3: 'surprise', 4: 'fear', 5: 'disgust', 6: 'anger',
                    7: 'contempt', 8: None, 9: None, 10: None}
#: Probability of each code 0-10 in the rendered data.
AFFECTNET_CODE_P = (0.12, ) * 7 + (0.06, 0.04, 0.03, 0.03)
#: Nominal (valence, arousal) of each expression (circumplex model).
AFFECT = {'neutral': (0.0, 0.0), 'happiness': (0.7, 0.4),
          'sadness': (-0.6, -0.3), 'surprise': (0.2, 0.7),
          'fear': (-0.6, 0.7), 'disgust': (-0.6, 0.3), 'anger': (-0.5, 0.7),
          'contempt': (-0.4, 0.2)}
NONE_EXPRESSIONS = ('anxiety', 'helplessness', 'disappointment')
BASIC = ('neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust',
         'anger')
HEADER = ['subDirectory_filePath', 'face_x', 'face_y', 'face_width',
          'face_height', 'facial_landmarks', 'expression', 'valence',
          'arousal']

#: AffectNet's look: the wildest (Internet images of every kind).
AFFECTNET_LOOK = dict(base='wild', yaw=40.0, pitch=20.0, roll=18.0,
                      scale=(0.8, 1.12), shift=0.1, color_gain=0.3,
                      light_intensity=(0.4, 1.2), blur=(0.0, 2.0),
                      gauss_noise=(2.0, 10.0), jpeg_quality=(30, 75),
                      background='clutter', background_level=(30.0, 220.0))


class AffectNetLayout(FaceImageLayout):
    """``--layout affectnet``: ``samples`` images per identity."""
    name = 'affectnet'
    defaults = dict(subjects=4, samples=10, size=64, seed=0)
    classes = tuple(AFFECTNET_LABELS[k] for k in range(8))
    look = AFFECTNET_LOOK

    def write_subject(self, root, index, sid):
        a = self.args
        subject = self.subject(index, sid)
        img_root = root / 'Manually_Annotated' / 'Manually_Annotated_Images'
        records = []
        for j in range(a['samples']):
            rng = self.rng(index, j)
            code = int(rng.choice(11, p=AFFECTNET_CODE_P))
            k = sample_number(index, j, a['samples'])
            digest = hashlib.sha224(
                f'{a["seed"]}-{index}-{j}'.encode()).hexdigest()
            rel = f'{index + 1}/{digest}.jpg'
            if code == 10:  # Non-Face: background only, an arbitrary box
                rgb, _ = self.scene([], rng)
                S = rgb.shape[0]
                x, y = (int(v) for v in rng.integers(0, S // 2, size=2))
                box = (x, y, x + S // 3, y + S // 3)
                landmarks = ''
            else:
                expr = (AFFECTNET_LABELS[code] if code <= 7 else
                        NONE_EXPRESSIONS[int(rng.integers(3))] if code == 8
                        else BASIC[int(rng.integers(7))])
                rgb, faces = self.scene([(subject, expr)], rng)
                box = faces[0]['box']
                landmarks = ';'.join(
                    f'{v:.2f}' for v in faces[0]['landmarks'].reshape(-1))
            write_rgb(img_root / rel, rgb)
            if code <= 7:
                v, ar = (np.clip(np.asarray(AFFECT[AFFECTNET_LABELS[code]]) +
                                 rng.uniform(-0.15, 0.15, size=2), -1, 1))
            else:
                v, ar = -2.0, -2.0
            x0, y0, x1, y1 = box
            records.append(dict(
                k=k, row=[rel, x0, y0, x1 - x0, y1 - y0, landmarks, code,
                          round(float(v), 6), round(float(ar), 6)]))
        return records

    def finalize(self, root, results):
        recs = [r for rs in results for r in rs]
        lists = root / 'Manually_Annotated_file_lists'
        for name, val in (('training.csv', False), ('validation.csv', True)):
            write_csv(lists / name,
                      [r['row'] for r in recs if (r['k'] % 5 == 4) == val],
                      header=HEADER)
        return dict(affectnet_labels={str(k): v for k, v in
                                      AFFECTNET_LABELS.items()})
