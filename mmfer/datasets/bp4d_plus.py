"""BP4D+ (MMSE) RGB + depth + thermal frames for MCM pre-training.

Zhang et al., "Multimodal Spontaneous Emotion Corpus for Human Behavior
Analysis", CVPR 2016. MCM (Sec. 4.1) pre-trains on 300,000 frames "equally
sampled from all 1.5 M frames by 10 activity categories" (tasks T1-T10),
with or without AU labels.
"""
import csv
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmfer.registry import DATASETS
from mmfer.structures.modalities import path_key
from .au_frames import (AUFrameDataset, evenly_spaced, index_frames,
                        list_dirs, resolve_prefix, split_quota)
from .bp4d import occurrence_codes_to_labels

#: The 34 AUs of ``AUCoding/AU_OCC/<Subj>_<Task>.csv``, in column order
#: after the frame column (rPPG-Toolbox BP4DPlusLoader).
BP4D_PLUS_AU_COLUMNS: Tuple[int, ...] = (
    1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 23,
    24, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39)


def read_bp4d_plus_occurrence(path: str) -> np.ndarray:
    """(N, 35) int table of a BP4D+ AU_OCC csv: frame, then 34 AUs.

    A header row, if present, is skipped (columns are taken by position).
    """
    with open(path, newline='') as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    if rows:
        try:
            float(rows[0][0])
        except ValueError:
            rows = rows[1:]
    width = 1 + len(BP4D_PLUS_AU_COLUMNS)
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    try:
        table = np.asarray([r[:width] for r in rows], dtype=np.float64)
    except ValueError as e:
        raise ValueError(f'{path}: non-numeric or ragged row ({e}).') from None
    if table.shape[1] != width:
        raise ValueError(
            f'{path}: expected {width} columns (frame + 34 AUs '
            f'{BP4D_PLUS_AU_COLUMNS}), found {table.shape[1]}.')
    return table.astype(np.int64)


@DATASETS.register_module()
class BP4DPlusDataset(AUFrameDataset):
    """BP4D+ frames (RGB, depth, thermal), evenly sampled per task.

    As distributed (../shared/DATASETS.md) BP4D+ holds RGB frames in
    ``2D+3D/<Subj>.zip``, thermal as a false-colour ``Thermal/<Subj>/<Task>
    .wmv`` and 3-D meshes; pre-training needs pixel-aligned RGB, depth and
    thermal frames, which only the preprocessing tools produce. This class
    therefore reads the **preprocessed layout** (see
    ``docs/datasets/au_datasets.md``)::

        data_root/
          2D+3D/F001/T1/0001.jpg     RGB (face crops; any zero padding)
          Depth/F001/T1/0001.png     uint16 0.1 mm, 65535 = background
          Thermal/F001/T1/0001.png   uint16 centi-°C, aligned to RGB
          AUCoding/AU_OCC/F001_T1.csv  (optional) frame + 34 AUs by position

    **Zipped RGB**: the zips are *not* read here (a zip entry has no file
    path for the loading transform, and the other modalities must be
    produced anyway). ``tools/dataset_converters/face_crop.py`` reads
    ``2D+3D/<Subj>.zip`` directly and writes the extracted crops; if only
    zips are found, the error says so.

    Sampling (MCM Sec. 4.1, "equally sample ... by 10 activity
    categories"), deterministic, without randomness:

    1. per (subject, task) clip, ``frames_per_task`` evenly spaced frames
       (all if None);
    2. then at most ``max_frames`` in total, split equally over the task
       categories present (T1...T10); inside a category the frames are
       taken evenly spaced over all its clips (subject order). A category
       with fewer frames than its share contributes all of them (its
       remainder is not moved to other tasks).

    Only frames present in every requested modality are candidates; the
    number of RGB frames lacking another modality is logged.

    Args:
        data_root (str): the preprocessed root.
        modalities (Sequence[str]): any of ``'rgb'``, ``'depth'``,
            ``'thermal'``. Defaults to all three.
        frames_per_task (int, optional): frames kept per clip.
        max_frames (int, optional): total cap (paper: 300,000).
        tasks (Sequence[str], optional): keep only these tasks.
        with_labels (bool): attach ``au_occ`` from ``AUCoding/AU_OCC``;
            frames without a label row (uncoded tasks/frames) get -1 for
            every AU. Defaults to False (pre-training is unsupervised).
        coded_only (bool): with labels, keep only frames with a label row.
        au_ids (Sequence[int]): AUs to keep from the 34 columns.
        label_frame_offset (int): image number = label frame number +
            offset. Defaults to 0 ([U]: the label frame is 1-based).
        img_prefix (str, optional): RGB folder; None tries ``2D+3D``,
            ``Sequences``, ``RGB``.
        depth_prefix, thermal_prefix (str): aligned folders.
        subjects (Sequence[str], optional): keep only these subjects.
        auto_generate (dict, optional): render a SynthFace BP4D+ dataset
            into ``data_root`` if absent (``generate_layout('bp4d_plus',
            ...)``).
        **kwargs: the arguments above and those of
            :class:`BaseFERDataset` (``domain``, ``pipeline``, ...), see
            :class:`AUFrameDataset`.

    Samples carry ``subject``, ``task``, ``frame``, the modality paths,
    ``domain`` (``'bp4d_plus'``) and with labels ``au_occ``.
    """

    IMG_PREFIXES = ('2D+3D', 'Sequences', 'RGB')
    DOMAIN = 'bp4d_plus'
    LAYOUT = 'bp4d_plus'
    CODED_AUS = BP4D_PLUS_AU_COLUMNS

    def __init__(self,
                 data_root: str,
                 *,
                 modalities: Sequence[str] = ('rgb', 'depth', 'thermal'),
                 frames_per_task: Optional[int] = None,
                 max_frames: Optional[int] = None,
                 tasks: Optional[Sequence[str]] = None,
                 with_labels: bool = False,
                 coded_only: bool = False,
                 au_ids: Sequence[int] = BP4D_PLUS_AU_COLUMNS,
                 label_frame_offset: int = 0,
                 img_prefix: Optional[str] = None,
                 depth_prefix: str = 'Depth',
                 thermal_prefix: str = 'Thermal',
                 au_dir: str = osp.join('AUCoding', 'AU_OCC'),
                 **kwargs):
        for name, v in (('frames_per_task', frames_per_task),
                        ('max_frames', max_frames)):
            if v is not None and int(v) <= 0:
                raise ValueError(f'{name} must be positive or None, got {v}')
        if coded_only and not with_labels:
            raise ValueError('coded_only=True needs with_labels=True')
        self.frames_per_task = frames_per_task
        self.max_frames = max_frames
        self.tasks = None if tasks is None else list(tasks)
        self.coded_only = coded_only
        self.label_frame_offset = int(label_frame_offset)
        self.img_prefix = img_prefix
        self.depth_prefix = depth_prefix
        self.thermal_prefix = thermal_prefix
        self.au_dir = au_dir
        super().__init__(
            data_root,
            au_ids=au_ids,
            modalities=modalities,
            with_labels=with_labels,
            **kwargs)

    def _data_marker(self) -> str:
        return (self.img_prefix
                if self.img_prefix is not None else self.IMG_PREFIXES[0])

    # ------------------------------------------------------------------
    def _rgb_root(self) -> str:
        name = type(self).__name__
        root = resolve_prefix(self.data_root, self.img_prefix,
                              self.IMG_PREFIXES, 'RGB frame folder', name)
        if not list_dirs(root):
            zips = sorted(f for f in os.listdir(root) if f.endswith('.zip'))
            if zips:
                raise FileNotFoundError(
                    f'{name}: {root} holds only zipped subjects ({zips[:3]}'
                    '...). This dataset reads extracted, aligned frames: run '
                    'tools/dataset_converters/face_crop.py --dataset '
                    f'bp4d_plus --src {self.data_root} --out OUT (reads the '
                    'zips directly), then the depth/thermal tools; see '
                    'docs/datasets/au_datasets.md.')
        return root

    def _labels(self, subj: str, task: str) -> Dict[int, List[int]]:
        """image number -> au_occ of one clip ({} if not coded)."""
        path = osp.join(self.data_root, self.au_dir, f'{subj}_{task}.csv')
        if not osp.isfile(path):
            return {}
        table = read_bp4d_plus_occurrence(path)
        cols = [1 + BP4D_PLUS_AU_COLUMNS.index(a) for a in self.au_ids]
        labels = occurrence_codes_to_labels(table[:, cols], path)
        return {int(f) + self.label_frame_offset: lab
                for f, lab in zip(table[:, 0].tolist(), labels.tolist())}

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        dirs = {}
        for m in self.modalities:
            if m == 'rgb':
                dirs[m] = self._rgb_root()
                continue
            if m not in ('depth', 'thermal'):
                raise ValueError(f'{name} has no modality {m!r}; valid: '
                                 "'rgb', 'depth', 'thermal'.")
            path = osp.join(self.data_root, self.depth_prefix
                            if m == 'depth' else self.thermal_prefix)
            if not osp.isdir(path):
                raise FileNotFoundError(
                    f'{name}: modality "{m}" needs the aligned folder {path}.'
                    ' Produce it with tools/dataset_converters/'
                    + ('bp4d_depth_from_mesh.py' if m == 'depth' else
                       'bp4dplus_thermal.py') +
                    ' (docs/datasets/au_datasets.md) or drop it from '
                    'modalities.')
            dirs[m] = path
        ref = dirs[self.modalities[0]]
        subjects = list_dirs(ref)
        if self.subjects is not None:
            subjects = [s for s in subjects if s in self.subjects]
        keys = {m: path_key(m) for m in dirs}
        # task -> list of items (subject order), before max_frames.
        by_task: Dict[str, List[dict]] = {}
        skipped: Dict[str, int] = {}
        for subj in subjects:
            for task in list_dirs(osp.join(ref, subj)):
                if self.tasks is not None and task not in self.tasks:
                    continue
                index = {m: index_frames(osp.join(d, subj, task))
                         for m, d in dirs.items()}
                nums = sorted(set.intersection(
                    *[set(i) for i in index.values()]))
                n_ref = len(index[self.modalities[0]])
                if n_ref > len(nums):
                    skipped[f'{subj}/{task}'] = n_ref - len(nums)
                labels = self._labels(subj, task) if self.with_labels else {}
                if self.coded_only:
                    nums = [n for n in nums if n in labels]
                unknown = [-1] * len(self.au_ids)
                clip = []
                for i in evenly_spaced(len(nums), self.frames_per_task):
                    n = nums[i]
                    item = dict(subject=subj, task=task, frame=n)
                    for m, idx in index.items():
                        item[keys[m]] = osp.join(dirs[m], subj, task, idx[n])
                    if self.with_labels:
                        item['au_occ'] = labels.get(n, unknown)
                    clip.append(item)
                by_task.setdefault(task, []).extend(clip)
        self._warn_skipped(skipped, 'because they lack a requested modality '
                           f'{list(self.modalities)}')
        if self.max_frames is not None:
            quota = split_quota(int(self.max_frames), sorted(by_task))
            for task, items in by_task.items():
                keep = evenly_spaced(len(items), quota[task])
                by_task[task] = [items[i] for i in keep]
        data_list = [it for t in sorted(by_task) for it in by_task[t]]
        if not data_list:
            raise FileNotFoundError(
                f'{name}: no frame found under {list(dirs.values())} for '
                f'modalities {list(self.modalities)} (subjects '
                f'{self.subjects or "all"}, tasks {self.tasks or "all"}).')
        return data_list
