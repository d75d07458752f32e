"""FER2013 + FER+ layout (see ``DATASETS.md``; microsoft/FERPlus).

::

    DIR/fer2013.csv      header emotion,pixels,Usage; pixels = 2304 ints
                         (48 x 48 grey, row-major); Usage Training /
                         PublicTest / PrivateTest (rows in that order)
    DIR/fer2013new.csv   header Usage,Image name,neutral,happiness,surprise,
                         sadness,anger,disgust,fear,contempt,unknown,NF;
                         10 taggers' votes; row i describes fer2013.csv
                         row i; an empty name = no image
    DIR/FER2013{Train,Valid,Test}/fer<n:07d>.png + label.csv
                         what FERPlus' src/generate_training_data.py writes
                         (``folders=True``): rows ``name,"(0, 0, 48, 48)",
                         <10 votes>``, no header

FER2013 labels: 0 Angry 1 Disgust 2 Fear 3 Happy 4 Sad 5 Surprise 6
Neutral. Image names count the rows that have one (``fer0000000.png``...),
so after the first empty name they stop matching row indices, as in the
real files: a loader must join the two csv files by row order.

Every row is one of these kinds (by the global row number ``k % 20``):

- ``clear``: 6-10 votes for the rendered expression, the rest scattered;
- ``zeroed`` (k % 20 = 1): 5 votes + five single votes elsewhere: only the
  rule "counts <= 1 -> 0" makes the 5 a majority;
- ``empty`` (k % 20 = 3): no image name (votes 0);
- ``tie`` (k % 20 = 7): 5 / 5 between two classes -> unknown;
- ``unknown`` (k % 20 = 11): most votes ``unknown``;
- ``nf`` (k % 20 = 15): a non-face noise image, most votes ``NF``;
- ``contempt`` (k % 20 = 18): a contempt face, FER2013 label Disgust
  (FER2013 has no contempt).

Usage: the first 80% of the rows Training, the next 10% PublicTest, the
rest PrivateTest. The look: FER2013's 48 x 48 grey, low-quality web
crops (low resolution, noise, JPEG).
"""
import cv2
import numpy as np

from .face_images import FaceImageLayout, sample_number
from .io import write_csv, write_png

#: FER2013 label -> SynthFace expression.
FER2013_LABELS = {0: 'anger', 1: 'disgust', 2: 'fear', 3: 'happiness',
                  4: 'sadness', 5: 'surprise', 6: 'neutral'}
#: fer2013new.csv vote columns (FER+ class k = column k for k < 8).
FERPLUS_COLUMNS = ('neutral', 'happiness', 'surprise', 'sadness', 'anger',
                   'disgust', 'fear', 'contempt', 'unknown', 'NF')
FER2013_USAGES = ('Training', 'PublicTest', 'PrivateTest')
#: FERPlus' generate_training_data.py folder of each Usage.
FERPLUS_FOLDERS = {'Training': 'FER2013Train', 'PublicTest': 'FER2013Valid',
                   'PrivateTest': 'FER2013Test'}
#: Row kind by global row number modulo 20 (default: 'clear').
ROW_KINDS = {1: 'zeroed', 3: 'empty', 7: 'tie', 11: 'unknown', 15: 'nf',
             18: 'contempt'}
FER2013_SIZE = 48

#: FER2013's look: tiny grey low-quality web crops.
FER2013_LOOK = dict(base='wild', yaw=20.0, pitch=12.0, roll=10.0,
                    scale=(0.92, 1.08), shift=0.05, color_gain=0.1,
                    blur=(0.2, 0.7), gauss_noise=(3.0, 8.0),
                    jpeg_quality=(40, 75), lowres=(0.6, 0.9),
                    background='gradient')


def row_kind(k):
    """The kind of global row ``k`` (see the module docstring)."""
    return ROW_KINDS.get(k % 20, 'clear')


def row_votes(kind, column, rng):
    """10 taggers' votes (10 ints) of one row.

    Args:
        kind (str): the row kind.
        column (int): FER+ column of the rendered expression.
        rng (np.random.Generator): randomness.
    """
    votes = np.zeros(10, int)
    others = [c for c in range(10) if c != column]
    if kind == 'empty':
        return votes
    if kind == 'zeroed':
        votes[column] = 5
        votes[rng.choice(others, 5, replace=False)] = 1
        return votes
    if kind == 'tie':
        votes[column] = 5
        votes[rng.choice([c for c in others if c < 8])] = 5
        return votes
    main = {'unknown': 8, 'nf': 9}.get(kind, column)
    n = int(rng.integers(6, 11))
    votes[main] = n
    for c in rng.choice([c for c in range(10) if c != main], 10 - n):
        votes[c] += 1
    return votes


class FERPlusLayout(FaceImageLayout):
    """``--layout ferplus``: ``samples`` rows per identity."""
    name = 'ferplus'
    defaults = dict(subjects=4, samples=12, size=48, seed=0, folders=True)
    classes = tuple(FER2013_LABELS[k] for k in range(7))
    look = FER2013_LOOK
    grey = True

    def write_subject(self, root, index, sid):
        a = self.args
        subject = self.subject(index, sid)
        records = []
        for j in range(a['samples']):
            rng = self.rng(index, j)
            k = sample_number(index, j, a['samples'])
            kind = row_kind(k)
            label = self.sample_label(rng)
            expr = 'contempt' if kind == 'contempt' else self.classes[label]
            if kind == 'contempt':
                label = 1  # Disgust: FER2013 has no contempt
            if kind == 'nf':
                img = cv2.GaussianBlur(
                    rng.uniform(0, 255, (FER2013_SIZE, ) * 2), (0, 0), 2.0)
                grey = np.clip(np.rint(img), 0, 255).astype(np.uint8)
            else:
                grey = self.face(subject, expr, rng)['rgb'][..., 0]
                if grey.shape[0] != FER2013_SIZE:
                    grey = cv2.resize(grey, (FER2013_SIZE, FER2013_SIZE),
                                      interpolation=cv2.INTER_AREA)
            votes = row_votes(kind, FERPLUS_COLUMNS.index(expr)
                              if expr in FERPLUS_COLUMNS else 0, rng)
            records.append(dict(k=k, kind=kind, emotion=label,
                                pixels=' '.join(map(str, grey.reshape(-1))),
                                votes=votes.tolist()))
        return records

    def finalize(self, root, results):
        recs = sorted((r for rs in results for r in rs), key=lambda r: r['k'])
        n = len(recs)
        n_train, n_pub = int(round(0.8 * n)), int(round(0.1 * n))
        usages = ([FER2013_USAGES[0]] * n_train + [FER2013_USAGES[1]] * n_pub
                  + [FER2013_USAGES[2]] * (n - n_train - n_pub))
        fer_rows, new_rows, folder_rows = [], [], {}
        counter = 0
        for r, usage in zip(recs, usages):
            fer_rows.append([r['emotion'], r['pixels'], usage])
            name = ''
            if r['kind'] != 'empty':
                name = f'fer{counter:07d}.png'
                counter += 1
            new_rows.append([usage, name] + r['votes'])
            if name and self.args['folders']:
                folder = FERPLUS_FOLDERS[usage]
                img = np.array(r['pixels'].split(), np.uint8).reshape(
                    FER2013_SIZE, FER2013_SIZE)
                write_png(root / folder / name, img)
                folder_rows.setdefault(folder, []).append(
                    [name, f'(0, 0, {FER2013_SIZE}, {FER2013_SIZE})'] +
                    r['votes'])
        write_csv(root / 'fer2013.csv', fer_rows,
                  header=['emotion', 'pixels', 'Usage'])
        write_csv(root / 'fer2013new.csv', new_rows,
                  header=['Usage', 'Image name', *FERPLUS_COLUMNS])
        for folder, rows in folder_rows.items():
            write_csv(root / folder / 'label.csv', rows)
        return dict(fer2013_labels={str(k): v for k, v in
                                    FER2013_LABELS.items()},
                    row_kinds=[r['kind'] for r in recs])
