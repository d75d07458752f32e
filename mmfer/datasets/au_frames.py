"""Shared helpers of the frame-based AU datasets (BP4D, BP4D+, DISFA).

Real AU datasets are distributed as folders of video frames whose file
names are frame numbers with an unsettled zero padding (``2440.jpg``,
``0187.jpg``, ``187.jpg``; ../shared/DATASETS.md marks this [U]). The
helpers here index a frame folder *once* by the integer value of each file
stem, so a label row for frame ``f`` finds its image whatever the padding.
"""
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from .base_fer_dataset import BaseFERDataset
from .protocols import get_fold_subjects

#: File extensions accepted as frames.
IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def index_frames(folder: str,
                 exts: Sequence[str] = IMG_EXTS) -> Dict[int, str]:
    """Map frame number -> file name for one folder of numbered frames.

    Tolerates any zero padding (``%04d``, ``%03d``, ``%02d``, unpadded) as
    the number is ``int(stem)``; files with a non-numeric stem are ignored.
    A missing folder gives an empty dict.

    Args:
        folder (str): a folder such as ``Sequences/F001/T1``.
        exts (Sequence[str]): accepted extensions (lower case).

    Returns:
        dict[int, str]: e.g. ``{2440: '2440.jpg', ...}``.
    """
    out: Dict[int, str] = {}
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return out
    for name in names:
        stem, dot, ext = name.rpartition('.')
        if not dot or '.' + ext.lower() not in exts or not stem.isdigit():
            continue
        out.setdefault(int(stem), name)
    return out


def list_dirs(folder: str) -> List[str]:
    """Sorted names of the sub-folders of ``folder`` ([] if absent)."""
    if not osp.isdir(folder):
        return []
    return sorted(e.name for e in os.scandir(folder) if e.is_dir())


def resolve_prefix(data_root: str, prefix: Optional[str],
                   candidates: Sequence[str], what: str,
                   dataset: str) -> str:
    """Pick the frame folder under ``data_root``.

    Args:
        data_root (str): dataset root.
        prefix (str | None): an explicit folder (relative to data_root; may
            be ``''`` for the root itself), or None to take the first
            existing one of ``candidates``.
        candidates (Sequence[str]): known folder names, in priority order.
        what (str): e.g. ``'RGB frame folder'`` (for the message).
        dataset (str): class name (for the message).

    Returns:
        str: absolute-or-root-joined folder.
    """
    if prefix is not None:
        path = osp.join(data_root, prefix)
        if not osp.isdir(path):
            raise FileNotFoundError(
                f'{dataset}: {what} {path} does not exist. Check data_root '
                f'and the prefix argument (known names: {list(candidates)}).')
        return path
    for cand in candidates:
        path = osp.join(data_root, cand)
        if osp.isdir(path):
            return path
    raise FileNotFoundError(
        f'{dataset}: no {what} under {data_root}; looked for '
        f'{[osp.join(data_root, c) for c in candidates]}. Point data_root at '
        'the extracted dataset or pass the folder name explicitly.')


class AUFrameDataset(BaseFERDataset):
    """Base of the frame-based AU datasets.

    Adds to :class:`BaseFERDataset` what BP4D, BP4D+ and DISFA share: the
    ``au_ids`` / ``au_names`` metainfo (``classes`` is ``()``: no
    expression labels), subjects from a published fold protocol, SynthFace
    auto-generation in the class's ``LAYOUT``, a compact (N, K) copy of the
    AU labels kept after mmengine serialises (and empties) ``data_list``, so
    :meth:`get_au_labels` / :meth:`get_au_frequencies` (used for the
    positive weights of a weighted BCE) work on a fully initialised
    dataset, and a uniform warning for skipped frames.

    Subclasses set their own attributes first, then call this
    ``__init__``, and implement :meth:`_data_marker` and
    ``load_data_list``.

    Class attributes:
        PROTOCOL (str | None): fold protocol name for ``fold``
            (:func:`get_fold_subjects`); None: no ``fold``.
        CODED_AUS (tuple[int] | None): the AUs the dataset codes;
            ``au_ids`` must be among them (None: checked when reading).

    Args:
        data_root (str): dataset root.
        au_ids (Sequence[int]): AU numbers to read, in label order.
        fold (int, optional): a fold of ``PROTOCOL`` selecting the
            subjects of ``split``; None: every subject (or ``subjects``).
        split (str): ``'train'`` or ``'test'`` (``'val'`` = ``'test'``).
        subjects (Sequence[str], optional): explicit subjects (not with
            ``fold``).
        allow_missing_subjects (bool): if False (default), a requested
            subject without data is an error; if True it is dropped with a
            logged warning.
        with_labels (bool): the samples carry ``au_occ`` (and the metainfo
            ``au_ids`` / ``au_names``). Defaults to True.
        auto_generate (dict, optional): render a SynthFace dataset in
            ``LAYOUT`` into ``data_root`` first if it is absent.
        metainfo (dict, optional): overrides the metainfo.
        **kwargs: see :class:`BaseFERDataset` (``modalities``,
            ``domain``, ``pipeline``, ...).
    """

    _au_array: Optional[np.ndarray] = None
    PROTOCOL: Optional[str] = None
    CODED_AUS: Optional[Tuple[int, ...]] = None

    def __init__(self,
                 data_root: str,
                 au_ids: Sequence[int],
                 fold: Optional[int] = None,
                 split: str = 'train',
                 subjects: Optional[Sequence[str]] = None,
                 allow_missing_subjects: bool = False,
                 with_labels: bool = True,
                 auto_generate: Optional[dict] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.au_ids = parse_id_list(au_ids)
        unknown = [a for a in self.au_ids
                   if self.CODED_AUS is not None and a not in self.CODED_AUS]
        if unknown:
            raise ValueError(f'AUs {unknown} are not coded in '
                             f'{type(self).__name__}; valid: '
                             f'{self.CODED_AUS}')
        self.fold = fold
        self.split = split
        self.allow_missing_subjects = allow_missing_subjects
        self.with_labels = with_labels
        self.num_skipped = 0
        subjects = self._protocol_subjects(fold, split, subjects)
        # missing_ok: each loader names what is missing (and the fix)
        self._prepare_data(data_root, self._data_marker(), auto_generate,
                           missing_ok=True)
        meta = dict(au_ids=list(self.au_ids),
                    au_names=[f'AU{k}' for k in self.au_ids]
                    ) if with_labels else {}
        meta.update(metainfo or {})
        super().__init__(
            data_root=data_root, subjects=subjects, metainfo=meta, **kwargs)

    def _data_marker(self) -> str:
        """Path (relative to data_root) whose existence means the dataset
        is present (it decides whether ``auto_generate`` renders)."""
        raise NotImplementedError

    def filter_data(self) -> List[dict]:
        data_list = super().filter_data()
        if data_list and data_list[0].get('au_occ') is not None:
            self._au_array = np.asarray([d['au_occ'] for d in data_list],
                                        dtype=np.int8)
        else:
            self._au_array = None
        return data_list

    def _protocol_subjects(self, fold: Optional[int], split: str,
                           subjects: Optional[Sequence[str]]):
        """Subjects of ``fold``/``split`` of ``self.PROTOCOL``, or the
        explicit ``subjects`` list (not both)."""
        if fold is None:
            return subjects
        if self.PROTOCOL is None:
            raise ValueError(f'{type(self).__name__} has no fold protocol; '
                             'pass subjects=[...] instead of fold.')
        if subjects is not None:
            raise ValueError('Pass either fold (published protocol) or '
                             'subjects (explicit list), not both.')
        return get_fold_subjects(self.PROTOCOL, fold, split)

    def get_au_labels(self) -> np.ndarray:
        """(N, K) int array of AU occurrence labels (-1 = not coded)."""
        if self._au_array is None:
            raise KeyError(f'{type(self).__name__} has no AU labels (for '
                           'BP4D+ pass with_labels=True).')
        return self._au_array.astype(int)

    def _restrict_subjects(self, present: Sequence[str]) -> None:
        """With ``allow_missing_subjects``, drop absent requested subjects.

        Otherwise leave ``self.subjects`` as is, so that
        :meth:`BaseFERDataset.filter_data` raises naming the missing ones.
        """
        if self.subjects is None or not self.allow_missing_subjects:
            return
        missing = [s for s in self.subjects if s not in set(present)]
        if missing:
            print_log(
                f'{type(self).__name__}: {len(missing)} requested subject(s) '
                f'are absent and ignored (allow_missing_subjects=True): '
                f'{missing}', logger='current', level=logging.WARNING)
        self.subjects = [s for s in self.subjects if s in set(present)]
        if not self.subjects:
            raise FileNotFoundError(
                f'{type(self).__name__}: none of the requested subjects is '
                f'present under {self.data_root} (present: '
                f'{sorted(present)[:20]}).')

    def _warn_skipped(self, skipped: Dict[str, int], reason: str) -> None:
        """Log (never silently drop) frames that were skipped."""
        total = sum(skipped.values())
        self.num_skipped = total
        if total:
            worst = sorted(skipped.items(), key=lambda kv: -kv[1])[:5]
            print_log(
                f'{type(self).__name__}: skipped {total} labelled frame(s) '
                f'{reason}; most in {worst}.',
                logger='current',
                level=logging.WARNING)


def evenly_spaced(n: int, k: Optional[int]) -> np.ndarray:
    """Indices of ``k`` evenly spaced items among ``n`` (all if k >= n).

    The first and last items are always kept when ``k >= 2``.

    Example:
        >>> evenly_spaced(10, 4).tolist()
        [0, 3, 6, 9]
    """
    if k is None or k >= n:
        return np.arange(n)
    if k <= 0:
        return np.zeros(0, dtype=int)
    if k == 1:
        return np.array([n // 2])
    return np.round(np.linspace(0, n - 1, k)).astype(int)


def split_quota(total: int, groups: Sequence[str]) -> Dict[str, int]:
    """Split ``total`` as equally as possible over ``groups`` (in order)."""
    n = len(groups)
    base, rest = divmod(total, max(n, 1))
    return {g: base + (1 if i < rest else 0) for i, g in enumerate(groups)}


def parse_id_list(values: Sequence[int]) -> Tuple[int, ...]:
    """Validate a list of AU numbers."""
    out = tuple(int(v) for v in values)
    if not out or len(set(out)) != len(out):
        raise ValueError(f'au_ids must be non-empty and unique, got {values}')
    return out
