"""FER2013 and its FER+ relabelling (microsoft/FERPlus).

FER2013 ships its 48 x 48 grey faces as pixel strings inside
``fer2013.csv``; FER+ (``fer2013new.csv``) adds 10 taggers' votes per row.
Both loaders here decode the pixels **once** into a PNG cache (one file
per csv row, ``<cache_dir>/<row:05d>.png``) so the usual image pipeline
(``LoadFaceModalities``) reads them like any other database; the cache is
reused while ``fer2013.csv`` is unchanged (size and mtime are recorded).
"""
import csv
import json
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .image_fer_dataset import ImageFERDataset

FER2013_CSV = 'fer2013.csv'
FERPLUS_CSV = 'fer2013new.csv'
FER2013_HEADER = ('emotion', 'pixels', 'usage')
FERPLUS_HEADER = ('usage', 'image name', 'neutral', 'happiness', 'surprise',
                  'sadness', 'anger', 'disgust', 'fear', 'contempt',
                  'unknown', 'nf')
#: FER+ vote columns after ``Image name``; 8 and 9 are not expressions.
FERPLUS_UNKNOWN, FERPLUS_NF = 8, 9
#: split -> (fer2013.csv Usage, FERPlus' generate_training_data.py folder).
FERPLUS_SPLITS = {'train': ('Training', 'FER2013Train'),
                  'val': ('PublicTest', 'FER2013Valid'),
                  'test': ('PrivateTest', 'FER2013Test')}
FER2013_SPLITS = {'train': 'Training', 'public_test': 'PublicTest',
                  'private_test': 'PrivateTest'}
FER2013_SIDE = 48
_CACHE_MARKER = '.fer2013_png.json'


def ferplus_majority_vote(votes: Sequence[float]) -> int:
    """FER+ "majority" label of one row of 10 vote counts.

    As ``FERPlusReader._process_data(mode='majority')`` of microsoft/FERPlus
    ``src/ferplus.py``: a class with a single vote is an outlier (its count
    becomes 0); the label is the class with the most remaining votes if it
    has more than half of them, else ``unknown``. Ties can never be a
    majority; a row whose votes are all <= 1 is unknown.

    Args:
        votes (Sequence[float]): counts of neutral, happiness, surprise,
            sadness, anger, disgust, fear, contempt, unknown, NF.

    Returns:
        int: 0-7 (a FER+ class), 8 (unknown) or 9 (NF, not a face).
    """
    if len(votes) != 10:
        raise ValueError(f'FER+ rows have 10 vote counts, got {len(votes)}: '
                         f'{list(votes)}')
    v = np.asarray(votes, dtype=np.float64)
    v[v < 1.0 + sys.float_info.epsilon] = 0.0  # single votes -> 0
    if v.max() > 0.5 * v.sum():
        return int(np.argmax(v))
    return FERPLUS_UNKNOWN


class _FER2013Csv(ImageFERDataset):
    """Shared reading of ``fer2013.csv`` and its PNG cache.

    Args:
        cache_dir (str, optional): where the decoded PNGs go; defaults to
            ``<data_root>/fer2013_png`` (pass a writable folder, e.g.
            ``'work_dirs/fer2013_png'``, for a read-only data_root).
    """

    def __init__(self, *args, cache_dir: Optional[str] = None, **kwargs):
        self.cache_dir = cache_dir
        super().__init__(*args, **kwargs)

    def _cache_dir(self) -> str:
        return self.cache_dir or self._path('fer2013_png')

    def read_fer2013(self) -> List[Tuple[int, str, str]]:
        """``(emotion, pixels, Usage)`` of every row of ``fer2013.csv``."""
        path = self._path(FER2013_CSV)
        rows = []
        with self._open(path, 'FER2013 csv') as f:
            reader = csv.reader(f)
            header = tuple(h.strip().lower() for h in next(reader, []))
            if header != FER2013_HEADER:
                self.bad_line(path, 1, ','.join(header),
                              'expected the header "emotion,pixels,Usage"')
            for lineno, row in enumerate(reader, 2):
                if not row:
                    continue
                if len(row) != 3:
                    self.bad_line(path, lineno, ','.join(row)[:80],
                                  'expected 3 columns emotion,pixels,Usage')
                emotion = self.parse_int(row[0], path, lineno,
                                         ','.join(row)[:80], range(7),
                                         'emotion')
                if row[2] not in FER2013_SPLITS.values():
                    self.bad_line(path, lineno, row[2],
                                  'Usage must be one of '
                                  f'{list(FER2013_SPLITS.values())}')
                rows.append((emotion, row[1], row[2]))
        return rows

    def png_cache(self, rows: List[Tuple[int, str, str]]) -> List[str]:
        """Decode every row's pixels into ``<cache_dir>/<row:05d>.png``
        (once; reused while fer2013.csv is unchanged).

        Returns:
            list[str]: the PNG path of each row.
        """
        src = self._path(FER2013_CSV)
        cache = self._cache_dir()
        paths = [osp.join(cache, f'{i:05d}.png') for i in range(len(rows))]
        st = os.stat(src)
        stamp = dict(source=osp.abspath(src), size=st.st_size,
                     mtime_ns=st.st_mtime_ns, rows=len(rows))
        marker = osp.join(cache, _CACHE_MARKER)
        try:
            with open(marker) as f:
                if json.load(f) == stamp:
                    return paths
        except (OSError, ValueError):
            pass
        try:
            os.makedirs(cache, exist_ok=True)
        except OSError as e:
            raise OSError(f'{type(self).__name__}: cannot create the PNG '
                          f'cache {cache} ({e}); pass cache_dir= a writable '
                          'folder.') from None
        n = FER2013_SIDE * FER2013_SIDE
        for lineno, ((_, pixels, _), path) in enumerate(zip(rows, paths), 2):
            values = pixels.split()
            if len(values) != n:
                self.bad_line(src, lineno, pixels[:60],
                              f'pixels must hold {n} values (48 x 48), '
                              f'got {len(values)}')
            img = np.asarray(values, dtype=np.uint8).reshape(
                FER2013_SIDE, FER2013_SIDE)                     # (48, 48)
            tmp = f'{path}.tmp{os.getpid()}.png'
            if not cv2.imwrite(tmp, img):
                raise OSError(f'{type(self).__name__}: cannot write {tmp}; '
                              'pass cache_dir= a writable folder.')
            os.replace(tmp, path)  # atomic: concurrent ranks are safe
        with open(f'{marker}.tmp{os.getpid()}', 'w') as f:
            json.dump(stamp, f)
        os.replace(f'{marker}.tmp{os.getpid()}', marker)
        return paths


@DATASETS.register_module()
class FER2013Dataset(_FER2013Csv):
    """FER2013 (Goodfellow et al., ICONIP 2013) with its original labels.

    Layout: ``data_root/fer2013.csv``, header ``emotion,pixels,Usage``;
    pixels = 2304 space-separated uint8 (48 x 48, row-major); Usage
    Training 28,709 / PublicTest 3,589 / PrivateTest 3,589. Classes: 0 Angry
    1 Disgust 2 Fear 3 Happy 4 Sad 5 Surprise 6 Neutral
    (``dataset_classes('fer2013')``). Images are decoded into a PNG cache
    (see the module docstring). ``domain`` is ``'fer2013'``.

    Args:
        data_root (str): the folder holding ``fer2013.csv``.
        split (str): ``'train'``, ``'public_test'`` or ``'private_test'``.
            Defaults to ``'train'``.
        cache_dir (str, optional): see :class:`_FER2013Csv`.
        **kwargs: see :class:`ImageFERDataset`.
    """

    METAINFO = dict(classes=dataset_classes('fer2013'))
    SPLITS = tuple(FER2013_SPLITS)
    DOMAIN = 'fer2013'
    LAYOUT = 'ferplus'

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        super().__init__(data_root, split=split, ann_file=FER2013_CSV,
                         **kwargs)

    def _data_marker(self) -> str:
        return FER2013_CSV

    def load_data_list(self) -> List[dict]:
        rows = self.read_fer2013()
        paths = self.png_cache(rows)
        usage = FER2013_SPLITS[self.split]
        return [dict(img_path=p, gt_label=emotion, row=i)
                for i, ((emotion, _, u), p) in enumerate(zip(rows, paths))
                if u == usage]


@DATASETS.register_module()
class FERPlusDataset(_FER2013Csv):
    """FER+ (Barsoum et al., ICMI 2016): FER2013 relabelled by 10 taggers.

    Classes: FER+'s vote columns neutral, happiness, surprise, sadness,
    anger, disgust, fear, contempt (``dataset_classes('ferplus')``; without
    contempt for ``num_classes=7``). Labels follow FER+'s "majority" mode
    (:func:`ferplus_majority_vote`); unknown and NF rows are dropped, and
    contempt with ``num_classes=7`` (counts logged, :attr:`num_dropped`).
    Expected sizes on the real data (DATASETS.md): Train 25,060 / Valid
    3,199 / Test 3,153; 7 classes 24,941 / 3,186 / 3,137. ``domain`` is
    ``'ferplus'``. Each sample keeps ``ferplus_votes`` (the 10 counts, for
    FER+'s probability / cross-entropy training modes).

    Two sources:

    - ``source='csv'`` (default): ``fer2013.csv`` + ``fer2013new.csv``
      joined **by row order** (row i of one describes row i of the other;
      the image names stop matching row indices after the first empty name,
      so they are never used to join); rows with an empty ``Image name``
      have no FER+ image and are skipped, as FERPlus'
      ``generate_training_data.py`` does; the split is fer2013.csv's
      ``Usage`` (Training / PublicTest / PrivateTest). The pixels are
      decoded into a PNG cache (module docstring).
    - ``source='folders'``: the output of ``generate_training_data.py``,
      ``FER2013{Train,Valid,Test}/<name>.png`` + ``label.csv`` rows
      ``name,"(0, 0, 48, 48)",<10 votes>`` (the box column is optional).

    Args:
        data_root (str): the folder holding the csv files (or the three
            folders).
        split (str): ``'train'``, ``'val'`` (PublicTest / FER2013Valid) or
            ``'test'`` (PrivateTest / FER2013Test). Defaults to ``'train'``.
        num_classes (int): 8 (default, FER+'s classes) or 7 (no contempt).
        source (str): ``'csv'`` or ``'folders'``. Defaults to ``'csv'``.
        cache_dir (str, optional): see :class:`_FER2013Csv` (csv only).
        **kwargs: see :class:`ImageFERDataset`.
    """

    METAINFO = dict(classes=dataset_classes('ferplus'))
    SPLITS = tuple(FERPLUS_SPLITS)
    DOMAIN = 'ferplus'
    LAYOUT = 'ferplus'
    SOURCES = ('csv', 'folders')

    def __init__(self, data_root: str, split: str = 'train',
                 num_classes: int = 8, source: str = 'csv', **kwargs):
        if num_classes not in (7, 8):
            raise ValueError(f'FERPlusDataset: num_classes must be 7 or 8, '
                             f'got {num_classes!r}.')
        if source not in self.SOURCES:
            raise ValueError(f'FERPlusDataset: source must be one of '
                             f'{self.SOURCES}, got {source!r}.')
        self.num_classes = num_classes
        self.source = source
        metainfo = dict(
            classes=dataset_classes('ferplus')[:num_classes])
        metainfo.update(kwargs.pop('metainfo', None) or {})
        folder = FERPLUS_SPLITS.get(split, FERPLUS_SPLITS['train'])[1]
        ann_file = (FERPLUS_CSV if source == 'csv' else
                    osp.join(folder, 'label.csv'))
        super().__init__(data_root, split=split, ann_file=ann_file,
                         metainfo=metainfo, **kwargs)

    def _data_marker(self) -> str:
        if self.source == 'csv':
            return FERPLUS_CSV
        return FERPLUS_SPLITS[self.split][1]

    def _label(self, votes: List[int]) -> Optional[int]:
        """The FER+ class of a row, or None (dropped and counted)."""
        label = ferplus_majority_vote(votes)
        if label == FERPLUS_UNKNOWN:
            self.drop('unknown (no majority)')
        elif label == FERPLUS_NF:
            self.drop('NF (not a face)')
        elif label >= self.num_classes:
            self.drop('contempt (num_classes=7)')
        else:
            return label
        return None

    def _votes(self, values, path, lineno, line) -> List[int]:
        try:
            votes = [int(float(v)) for v in values]
        except ValueError:
            votes = []
        if len(votes) != 10 or min(votes) < 0:
            self.bad_line(path, lineno, line,
                          'expected 10 non-negative vote counts (neutral ... '
                          'contempt, unknown, NF)')
        return votes

    def load_data_list(self) -> List[dict]:
        out = (self._load_csv()
               if self.source == 'csv' else self._load_folder())
        self.log_dropped()
        return out

    def _load_csv(self) -> List[dict]:
        fer = self.read_fer2013()
        path = self.ann_file
        new = []
        with self._open(path, 'FER+ csv') as f:
            reader = csv.reader(f)
            header = tuple(h.strip().lower() for h in next(reader, []))
            if header != FERPLUS_HEADER:
                self.bad_line(path, 1, ','.join(header),
                              'expected the header "Usage,Image name,'
                              'neutral,...,contempt,unknown,NF"')
            for lineno, row in enumerate(reader, 2):
                if not row:
                    continue
                if len(row) != 12:
                    self.bad_line(path, lineno, ','.join(row),
                                  'expected 12 columns Usage,Image name and '
                                  '10 vote counts')
                new.append((lineno, row))
        if len(new) != len(fer):
            raise ValueError(
                f'FERPlusDataset: {path} has {len(new)} rows but '
                f'{self._path(FER2013_CSV)} has {len(fer)}; FER+ is joined '
                'to FER2013 by row order, so both must be the complete '
                'original files (35,887 rows).')
        paths = self.png_cache(fer)
        usage = FERPLUS_SPLITS[self.split][0]
        out = []
        for i, ((emotion, _, u), (lineno, row), png) in enumerate(
                zip(fer, new, paths)):
            name = row[1].strip()
            if not name:  # no FER+ image; its vote fields are not used
                if u == usage:
                    self.drop('no FER+ image (empty name)')
                continue
            votes = self._votes(row[2:], path, lineno, ','.join(row))
            if u != usage:
                continue
            label = self._label(votes)
            if label is None:
                continue
            out.append(dict(img_path=png, gt_label=label, row=i,
                            image_name=name, ferplus_votes=votes,
                            fer2013_label=emotion))
        return out

    def _load_folder(self) -> List[dict]:
        path = self.ann_file
        folder = osp.dirname(path)
        out = []
        with self._open(path, 'FER+ label file') as f:
            for lineno, row in enumerate(csv.reader(f), 1):
                if not row:
                    continue
                line = ','.join(row)
                counts = row[2:] if row[1:2] and row[1].lstrip(
                ).startswith('(') else row[1:]
                votes = self._votes(counts, path, lineno, line)
                label = self._label(votes)
                if label is None:
                    continue
                out.append(dict(img_path=osp.join(folder, row[0]),
                                gt_label=label, image_name=row[0],
                                ferplus_votes=votes))
        return out
