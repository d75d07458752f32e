"""BP4D-Spontaneous for AU detection (MCM Sec. 4.1).

Zhang et al., "BP4D-Spontaneous: a high-resolution spontaneous 3D dynamic
facial expression database", IVC 2014. Used by MCM ("Multimodal
Channel-Mixing", Sec. 4.1) for fine-tuning: 12 AUs, subject-exclusive
3-fold cross-validation (parts in :mod:`mmfer.datasets.protocols`).
"""
import csv
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmfer.registry import DATASETS
from mmfer.structures.modalities import path_key
from .au_frames import AUFrameDataset, index_frames, resolve_prefix
from .protocols import BP4D_AUS

#: Code of an AU that was not coded in a BP4D / BP4D+ occurrence CSV.
UNKNOWN_CODE = 9


def read_occurrence_csv(path: str) -> Tuple[List[str], np.ndarray]:
    """Read an AU occurrence CSV (BP4D ``AUCoding/AU_OCC/F001_T1.csv``).

    Args:
        path (str): the csv file, with one header row.

    Returns:
        tuple: the header (list of column names) and the (N, C) int table.
    """
    with open(path, newline='') as f:
        first = f.readline()
        if not first.strip():
            raise ValueError(f'AU occurrence file {path} is empty.')
        header = [h.strip() for h in next(csv.reader([first]))]
        try:
            # numpy's C parser: ~10x faster than the csv module
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # "no data": header only
                table = np.loadtxt(f, delimiter=',', dtype=np.float64,
                                   ndmin=2)
        except ValueError as e:
            raise ValueError(
                f'AU occurrence file {path} has a non-numeric or ragged row '
                f'({e}); re-extract it from the BP4D release.') from None
    if table.size == 0:
        return header, np.zeros((0, len(header)), dtype=np.int64)
    return header, table.astype(np.int64)


def occurrence_codes_to_labels(codes: np.ndarray, path: str) -> np.ndarray:
    """Map occurrence codes 0 / 1 / 9 (unknown) to labels 0 / 1 / -1."""
    bad = ~np.isin(codes, (0, 1, UNKNOWN_CODE))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f'{path}: unexpected AU occurrence code {codes[r, c]} (row {r}); '
            f'valid codes are 0, 1 and {UNKNOWN_CODE} (= not coded).')
    return np.where(codes == UNKNOWN_CODE, -1, codes).astype(np.int8)


@DATASETS.register_module()
class BP4DDataset(AUFrameDataset):
    """BP4D-Spontaneous frames with AU occurrence labels.

    Reads the layout as distributed (../shared/DATASETS.md)::

        data_root/
          Sequences(2D+3D)/ | Sequences/ | BP4D-training/    (any of these)
            F001/T1/2440.jpg  (frame number, any zero padding)
            F001/T1/2440.obj  ([U] 3-D mesh per frame; read by the depth tool)
          AUCoding/AU_OCC/F001_T1.csv   header row; column "0" = frame
                                        number, column "k" = AU k: 0/1, 9 =
                                        not coded

    plus the aligned modalities written by the preprocessing tools
    (``docs/datasets/au_datasets.md``)::

          Depth/F001/T1/2440.png        uint16, 0.1 mm, 65535 = background
          Thermal/F001/T1/2440.png      uint16 centi-°C (only if produced)

    Each labelled frame (a row of an AU_OCC csv) becomes one sample with
    ``img_path`` / ``depth_path`` / ``thermal_path`` (absolute),
    ``au_occ`` (K,) in ``au_ids`` order with -1 for code 9, ``subject``,
    ``task``, ``frame`` and ``domain`` (``'bp4d'``). A labelled frame whose
    file is missing for a requested modality is **skipped, and the count is
    logged as a warning** (the public release lacks a few frames); a subject
    with AU files but no frame at all is an error, as is a fold subject
    without AU files.

    Args:
        data_root (str): dataset root.
        fold (int, optional): 1, 2 or 3 selects the subjects of the
            published 3-fold protocol (fold 1 tests part 3, fold 2 part 2,
            fold 3 part 1); None uses every subject (or ``subjects``).
        split (str): ``'train'`` or ``'test'`` (``'val'`` = ``'test'``)
            when ``fold`` is set.
        modalities (Sequence[str]): any of ``'rgb'``, ``'depth'``,
            ``'thermal'``; only these must exist per frame.
        au_ids (Sequence[int]): AU numbers to read (columns of the csv).
            Defaults to MCM's 12 AUs 1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23,
            24.
        img_prefix (str, optional): RGB folder; None tries
            ``Sequences(2D+3D)``, ``Sequences``, ``BP4D-training``.
        depth_prefix (str): aligned depth folder. Defaults to ``'Depth'``.
        thermal_prefix (str): aligned thermal folder. Defaults to
            ``'Thermal'``.
        au_dir (str): occurrence csv folder. Defaults to
            ``'AUCoding/AU_OCC'``.
        frame_offset (int): image number = csv frame number +
            ``frame_offset``. 0 (default) matches JAA-Net's lists
            (``2440.jpg`` for frame 2440); some code uses -1 ([U]).
        subjects (Sequence[str], optional): explicit subject list (instead
            of ``fold``).
        allow_missing_subjects (bool): if False (default), a requested
            (fold) subject without AU files is an error; if True it is
            dropped with a logged warning (partial downloads, small
            SynthFace renders).
        auto_generate (dict, optional): render a SynthFace BP4D-layout
            dataset into ``data_root`` first if it is absent (keyword
            arguments of ``generate_layout('bp4d', ...)``).
        **kwargs: the arguments above and those of
            :class:`BaseFERDataset` (``domain``, ``pipeline``,
            ``check_files``, ...), see :class:`AUFrameDataset`.

    Example:
        >>> from mmfer.datasets.protocols import get_fold_subjects
        >>> get_fold_subjects('bp4d', 3, 'test')[:3]
        ['F001', 'M007', 'F018']
    """

    IMG_PREFIXES = ('Sequences(2D+3D)', 'Sequences', 'BP4D-training')
    PROTOCOL = 'bp4d'
    DOMAIN = 'bp4d'
    LAYOUT = 'bp4d'

    def __init__(self,
                 data_root: str,
                 *,
                 au_ids: Sequence[int] = BP4D_AUS,
                 img_prefix: Optional[str] = None,
                 depth_prefix: str = 'Depth',
                 thermal_prefix: str = 'Thermal',
                 au_dir: str = osp.join('AUCoding', 'AU_OCC'),
                 frame_offset: int = 0,
                 **kwargs):
        self.img_prefix = img_prefix
        self.depth_prefix = depth_prefix
        self.thermal_prefix = thermal_prefix
        self.au_dir = au_dir
        self.frame_offset = int(frame_offset)
        super().__init__(data_root, au_ids=au_ids, **kwargs)

    def _data_marker(self) -> str:
        return self.au_dir

    # ------------------------------------------------------------------
    def _modality_dirs(self) -> Dict[str, str]:
        """modality -> root folder of its frames."""
        name = type(self).__name__
        dirs = {}
        for m in self.modalities:
            if m == 'rgb':
                dirs[m] = resolve_prefix(self.data_root, self.img_prefix,
                                         self.IMG_PREFIXES,
                                         'RGB frame folder', name)
            elif m in ('depth', 'thermal'):
                prefix = (self.depth_prefix
                          if m == 'depth' else self.thermal_prefix)
                hint = ('tools/dataset_converters/bp4d_depth_from_mesh.py'
                        if m == 'depth' else
                        'tools/dataset_converters/bp4dplus_thermal.py')
                path = osp.join(self.data_root, prefix)
                if not osp.isdir(path):
                    raise FileNotFoundError(
                        f'{name}: modality "{m}" needs the aligned folder '
                        f'{path}, which does not exist. Produce it with '
                        f'{hint} (see docs/datasets/au_datasets.md) or drop '
                        f'"{m}" from modalities.')
                dirs[m] = path
            else:
                raise ValueError(f'{name} has no modality {m!r}; valid: '
                                 "'rgb', 'depth', 'thermal'.")
        return dirs

    def _read_labels(self, path: str) -> Tuple[np.ndarray, np.ndarray]:
        """(N,) frame numbers and (N, K) labels of one csv."""
        header, table = read_occurrence_csv(path)
        col = {h: i for i, h in enumerate(header)}
        wanted = ['0'] + [str(k) for k in self.au_ids]
        missing = [w for w in wanted if w not in col]
        if missing:
            raise ValueError(
                f'{path}: columns {missing} are missing (header '
                f'{header[:8]}...). Column "0" must hold the frame number and '
                'column "k" AU k.')
        frames = table[:, col['0']]
        codes = table[:, [col[str(k)] for k in self.au_ids]]
        return frames, occurrence_codes_to_labels(codes, path)

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        au_root = osp.join(self.data_root, self.au_dir)
        if not osp.isdir(au_root):
            raise FileNotFoundError(
                f'{name}: AU occurrence folder {au_root} not found. Point '
                'data_root at the BP4D root (holding AUCoding/AU_OCC).')
        clips: Dict[str, List[str]] = {}
        for fname in sorted(f for f in os.listdir(au_root)
                            if f.lower().endswith('.csv')):
            stem = fname[:-4]
            if '_' not in stem:
                continue
            subj, task = stem.split('_', 1)
            clips.setdefault(subj, []).append(task)
        self._restrict_subjects(list(clips))
        if self.subjects is not None:
            clips = {s: t for s, t in clips.items() if s in self.subjects}
        mod_dirs = self._modality_dirs()
        keys = {m: path_key(m) for m in mod_dirs}
        data_list, skipped = [], {}
        for subj in sorted(clips):
            n_subj = 0
            for task in clips[subj]:
                frames, labels = self._read_labels(
                    osp.join(au_root, f'{subj}_{task}.csv'))
                index = {m: index_frames(osp.join(d, subj, task))
                         for m, d in mod_dirs.items()}
                folder = {m: osp.join(d, subj, task, '')
                          for m, d in mod_dirs.items()}
                for f, lab in zip(frames.tolist(), labels.tolist()):
                    num = f + self.frame_offset
                    names = {m: idx.get(num) for m, idx in index.items()}
                    if any(v is None for v in names.values()):
                        skipped[f'{subj}/{task}'] = skipped.get(
                            f'{subj}/{task}', 0) + 1
                        continue
                    item = dict(subject=subj, task=task, frame=int(f),
                                au_occ=lab)
                    for m, fn in names.items():
                        item[keys[m]] = folder[m] + fn
                    data_list.append(item)
                    n_subj += 1
            if n_subj == 0:
                raise FileNotFoundError(
                    f'{name}: subject {subj} has AU files in {au_root} but '
                    f'none of its frames exists for modalities '
                    f'{list(self.modalities)} under '
                    f'{[osp.join(d, subj) for d in mod_dirs.values()]}. '
                    'Extract the subject completely (or check '
                    'frame_offset / the prefixes).')
        self._warn_skipped(skipped, 'because a frame file is missing for a '
                           f'requested modality {list(self.modalities)}')
        return data_list

