"""Cross-validation protocols: which samples each fold trains and tests on.

A protocol turns a fold number ``k`` (1-based) into a :class:`Fold` (the
train and test units: subject ids, split files or dataset names) and
edits the dataset configs of a training config so that one run trains and
tests fold ``k``. ``tools/misc/run_folds.py`` runs a config on every fold
of its protocol and reports mean +- std over folds.

A config declares its protocol at top level, e.g.::

    fold_protocol = dict(type='SubjectKFold', parts='bp4d')

Four kinds are registered in :data:`mmfer.registry.PROTOCOLS`:

- :class:`SubjectKFold`: published subject-exclusive parts (BP4D / DISFA
  3-fold of JAA-Net, used by MCM Sec. 4.1) or any given part lists;
- :class:`OfficialSplitFiles`: the dataset's own per-fold train/test files
  (DFEW / MAFW ``set_<k>`` 5-fold), selected by the dataset's ``fold``;
- :class:`RandomSubjectKFold`: a seeded random, subject-exclusive k-fold
  over the subjects present, optionally after drawing ``num_subjects`` of
  them (CM-CNN Sec. IV-A: 60 BU-3DFE / Bosphorus subjects, ten-fold
  cross-validation);
- :class:`LeaveOneDatasetOut`: fold ``k`` tests on the k-th of several
  datasets and trains on all the others (cross-database FER, e.g. EMPD's
  domain-generalisation setting).

Every protocol edits the dataset configs found at ``cfg_keys`` (dotted
paths into the config; default: the datasets of the train / val / test
dataloaders). A path whose first component starts with ``train`` gets the
fold's *train* units, every other path its *test* units (the protocols have
no separate validation set: validation = the fold's test part, as in the
papers). Wrappers (``RepeatDataset``, ``ClassBalancedDataset``,
``ConcatDataset``) are looked through.

Example:
    >>> from mmfer.datasets.protocols import get_fold_subjects
    >>> test = get_fold_subjects('bp4d', 1, 'test')
    >>> len(test), len(get_fold_subjects('bp4d', 1, 'train'))
    (13, 28)
    >>> from mmfer.registry import PROTOCOLS
    >>> p = PROTOCOLS.build(dict(type='RandomSubjectKFold', num_folds=3,
    ...                          seed=0, subjects=['a', 'b', 'c', 'd', 'e']))
    >>> p.get_fold(1).test, p.num_folds
    (('c', 'e'), 3)
"""
import copy
import inspect
from dataclasses import dataclass
from typing import (Any, Dict, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import numpy as np

from mmfer.registry import DATASETS, PROTOCOLS

# ----------------------------------------------------------------------
# Published subject parts
# ----------------------------------------------------------------------
#: BP4D: 41 subjects in three parts (14 / 14 / 13), JAA-Net's split (Shao
#: et al., "Deep Adaptive Attention for Joint Facial Action Unit Detection
#: and Face Alignment", ECCV 2018), used by MCM ("following the work [20]").
BP4D_PARTS: Dict[int, Tuple[str, ...]] = {
    1: ('F001', 'M007', 'F018', 'F008', 'F002', 'M004', 'F010', 'F009',
        'M012', 'M001', 'F016', 'M014', 'F023', 'M008'),
    2: ('M011', 'F003', 'M010', 'M002', 'F005', 'F022', 'M018', 'M017',
        'F013', 'M016', 'F020', 'F011', 'M013', 'M005'),
    3: ('F007', 'F015', 'F006', 'F019', 'M006', 'M009', 'F012', 'M003',
        'F004', 'F021', 'F017', 'M015', 'F014'),
}

#: DISFA: 27 subjects in three parts of 9 (JAA-Net's split).
DISFA_PARTS: Dict[int, Tuple[str, ...]] = {
    1: ('SN002', 'SN010', 'SN001', 'SN026', 'SN027', 'SN032', 'SN030',
        'SN009', 'SN016'),
    2: ('SN013', 'SN018', 'SN011', 'SN028', 'SN012', 'SN006', 'SN031',
        'SN021', 'SN024'),
    3: ('SN003', 'SN029', 'SN023', 'SN025', 'SN008', 'SN005', 'SN007',
        'SN017', 'SN004'),
}

#: Published part lists by name (``SubjectKFold(parts=<name>)``).
SUBJECT_PARTS: Dict[str, Dict[int, Tuple[str, ...]]] = {
    'bp4d': BP4D_PARTS,
    'disfa': DISFA_PARTS,
}

#: JAA-Net's fold -> tested part of the published lists: fold 1 tests part
#: 3 and trains on 1 + 2, fold 2 tests part 2, fold 3 tests part 1.
FOLD_TEST_PART: Dict[int, int] = {1: 3, 2: 2, 3: 1}

#: The AUs evaluated on each dataset (MCM Sec. 4.1).
BP4D_AUS: Tuple[int, ...] = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
DISFA_AUS: Tuple[int, ...] = (1, 2, 4, 6, 9, 12, 25, 26)

#: Default ``cfg_keys``: the datasets of the three dataloaders.
DEFAULT_CFG_KEYS = ('train_dataloader.dataset', 'val_dataloader.dataset',
                    'test_dataloader.dataset')

#: Dataset types whose config holds the real dataset(s) one level down.
WRAPPERS = ('RepeatDataset', 'ClassBalancedDataset', 'ConcatDataset')


def get_fold_subjects(dataset: str,
                      fold: Optional[int],
                      split: str = 'train') -> Optional[List[str]]:
    """Subjects of one split of one fold of a published protocol.

    Args:
        dataset (str): ``'bp4d'`` or ``'disfa'`` (case-insensitive), a key
            of :data:`SUBJECT_PARTS`.
        fold (int | None): 1, 2 or 3; None means "no protocol" and
            returns None (all subjects).
        split (str): ``'train'`` (the two other parts, in part order) or
            ``'test'`` (the fold's test part; ``'val'`` is an alias, as the
            protocol has no separate validation set).

    Returns:
        list[str] | None: subject ids such as ``'F001'`` / ``'SN002'``.
    """
    key = str(dataset).lower()
    if key not in SUBJECT_PARTS:
        raise ValueError(f'No published fold protocol for dataset '
                         f'{dataset!r}; valid ones are '
                         f'{sorted(SUBJECT_PARTS)}.')
    if fold is None:
        return None
    if split not in ('train', 'test', 'val'):
        raise ValueError(
            f"split must be 'train', 'test' or 'val', got {split!r}.")
    f = SubjectKFold(parts=key).get_fold(fold)
    return list(f.test if split in ('test', 'val') else f.train)


@dataclass(frozen=True)
class Fold:
    """What one fold trains and tests on.

    Attributes:
        index (int): the fold, 1-based.
        train (tuple[str]): training units (subjects, files or datasets).
        test (tuple[str]): test units.
        unit (str): ``'subject'``, ``'file'`` or ``'dataset'``.
    """
    index: int
    train: Tuple[str, ...]
    test: Tuple[str, ...]
    unit: str = 'subject'

    def to_dict(self) -> dict:
        return dict(fold=self.index, unit=self.unit, train=list(self.train),
                    test=list(self.test))


# ----------------------------------------------------------------------
# Config helpers
# ----------------------------------------------------------------------
def _get(cfg: Mapping, dotted: str):
    node = cfg  # a dict, ConfigDict or mmengine Config (not a Mapping)
    for part in dotted.split('.'):
        if not hasattr(node, '__getitem__') or isinstance(node, str) or \
                part not in node:
            raise KeyError(part)
        node = node[part]
    return node


def leaf_datasets(ds_cfg: dict) -> Iterator[Tuple[dict, Any]]:
    """Yield ``(parent, key)`` of every real dataset inside ``ds_cfg``.

    ``parent[key]`` is a dataset config that is not a wrapper; the wrapper
    itself is yielded as ``(ds_cfg, None)`` when it is already a leaf.
    """
    if ds_cfg.get('type') == 'ConcatDataset' or (
            'datasets' in ds_cfg and 'dataset' not in ds_cfg):
        for i in range(len(ds_cfg['datasets'])):
            child = ds_cfg['datasets'][i]
            if _is_wrapper(child):
                yield from leaf_datasets(child)
            else:
                yield ds_cfg['datasets'], i
    elif _is_wrapper(ds_cfg):
        child = ds_cfg['dataset']
        if _is_wrapper(child):
            yield from leaf_datasets(child)
        else:
            yield ds_cfg, 'dataset'
    else:
        yield ds_cfg, None


def _is_wrapper(ds_cfg) -> bool:
    t = ds_cfg.get('type')
    t = t.split('.')[-1] if isinstance(t, str) else t
    return t in WRAPPERS or (
        t is None and isinstance(ds_cfg.get('dataset'), Mapping))


def dataset_class(ds_cfg: Mapping):
    """The registered class of a dataset config (None if unknown)."""
    t = ds_cfg.get('type')
    if isinstance(t, type):
        return t
    if not isinstance(t, str):
        return None
    return DATASETS.get(t)


def accepts(ds_cfg: Mapping, arg: str) -> bool:
    """Whether the dataset of ``ds_cfg`` takes the keyword ``arg``."""
    if arg in ds_cfg:
        return True
    cls = dataset_class(ds_cfg)
    if cls is None:
        return False
    for klass in cls.__mro__:
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        params = inspect.signature(init).parameters
        if arg in params:
            return True
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return False
    return False


# ----------------------------------------------------------------------
# Base class
# ----------------------------------------------------------------------
class BaseFoldProtocol:
    """Base of the fold protocols.

    Args:
        num_folds (int, optional): number of folds; protocols that know it
            (published parts, dataset lists) check it.
        cfg_keys (Sequence[str] | dict): dotted paths of the dataset
            configs a fold edits; a dict maps each path to its role
            (``'train'`` or ``'test'``). Defaults to
            :data:`DEFAULT_CFG_KEYS` (role from the ``train`` prefix).
        overrides (dict, optional): extra keys set on every dataset of
            every fold, e.g. ``dict(split='all')`` for a dataset whose
            subjects must all be reachable before subjects are selected.
    """

    unit = 'subject'

    def __init__(self,
                 num_folds: Optional[int] = None,
                 cfg_keys: Union[Sequence[str], Mapping[str, str]] = (
                     DEFAULT_CFG_KEYS),
                 overrides: Optional[dict] = None):
        if num_folds is not None and int(num_folds) < 1:
            raise ValueError(f'{type(self).__name__}: num_folds must be >= 1,'
                             f' got {num_folds!r}.')
        self._num_folds = None if num_folds is None else int(num_folds)
        if isinstance(cfg_keys, str):
            cfg_keys = [cfg_keys]
        if isinstance(cfg_keys, Mapping):
            roles = dict(cfg_keys)
        else:
            roles = {k: 'train' if k.split('.')[0].startswith('train')
                     else 'test' for k in cfg_keys}
        bad = {k: r for k, r in roles.items() if r not in ('train', 'test')}
        if bad:
            raise ValueError(f'{type(self).__name__}: cfg_keys roles must be '
                             f"'train' or 'test', got {bad}.")
        self.cfg_keys = roles
        self.overrides = dict(overrides or {})

    # -- to implement ---------------------------------------------------
    @property
    def num_folds(self) -> int:
        if self._num_folds is None:
            raise ValueError(f'{type(self).__name__}: num_folds is not set.')
        return self._num_folds

    def get_fold(self, fold: int) -> Fold:
        """Train / test units of ``fold``."""
        raise NotImplementedError

    def apply_to_dataset(self, ds_cfg: dict, fold: int, role: str) -> None:
        """Edit one (non-wrapper) dataset config in place for ``fold``."""
        raise NotImplementedError

    # -- shared -----------------------------------------------------------
    @property
    def folds(self) -> List[int]:
        """Fold numbers, 1-based."""
        return list(range(1, self.num_folds + 1))

    def check_fold(self, fold: int) -> int:
        if isinstance(fold, bool) or int(fold) != fold or \
                not 1 <= fold <= self.num_folds:
            raise ValueError(
                f'{type(self).__name__}: fold must be '
                f'{", ".join(map(str, self.folds))}, got {fold!r}.')
        return int(fold)

    def prepare(self, cfg: Mapping) -> None:
        """Read what the protocol needs from the config (once, before the
        folds). Default: nothing."""

    def dataset_cfgs(self, cfg: Mapping) -> List[Tuple[str, str, Any, Any]]:
        """``(cfg_key, role, parent, key)`` of every leaf dataset config.

        Dataloaders set to None (e.g. ``--no-validate``) are skipped; a
        missing path is an error naming it.
        """
        out = []
        for path, role in self.cfg_keys.items():
            loader = path.split('.')[0]
            if loader in cfg and cfg[loader] is None:
                continue
            try:
                ds = _get(cfg, path)
            except KeyError as e:
                raise KeyError(
                    f'{type(self).__name__}: the config has no {path!r} '
                    f'(missing {e}); fix fold_protocol.cfg_keys (now '
                    f'{list(self.cfg_keys)}).') from None
            if not isinstance(ds, Mapping):
                raise TypeError(f'{type(self).__name__}: {path} must be a '
                                f'dataset config dict, got {type(ds)}.')
            for parent, key in leaf_datasets(ds):
                out.append((path, role, parent, key))
        return out

    def apply(self, cfg: Mapping, fold: int) -> Fold:
        """Edit ``cfg`` in place so that it trains / tests ``fold``.

        Returns:
            Fold: what the fold trains and tests on.
        """
        fold = self.check_fold(fold)
        seen = set()
        for path, role, parent, key in self.dataset_cfgs(cfg):
            ds = parent if key is None else parent[key]
            if id(ds) in seen:  # test_dataloader = val_dataloader
                continue
            seen.add(id(ds))
            self.apply_to_dataset(ds, fold, role)
            for k, v in self.overrides.items():
                ds[k] = copy.deepcopy(v)
        return self.get_fold(fold)

    def _set_subjects(self, ds_cfg: dict, fold: int, role: str) -> None:
        """Select ``fold``'s training (role ``'train'``) or test subjects
        by name; a ``fold`` argument of the dataset is cleared."""
        f = self.get_fold(fold)
        ds_cfg['subjects'] = list(f.train if role == 'train' else f.test)
        if 'fold' in ds_cfg:
            ds_cfg['fold'] = None

    def _set_fold(self, ds_cfg: dict, fold: Optional[int]) -> None:
        cls = dataset_class(ds_cfg)
        # AU datasets take ``fold`` in their shared base, but only those
        # with a published ``PROTOCOL`` (BP4D, DISFA) can resolve it.
        no_protocol = cls is not None and 'PROTOCOL' in dir(cls) and \
            getattr(cls, 'PROTOCOL') is None
        if no_protocol or not accepts(ds_cfg, 'fold'):
            raise KeyError(
                f'{type(self).__name__}: dataset {ds_cfg.get("type")} has no '
                '"fold" argument, so it cannot select fold '
                f'{fold} itself. Use a dataset with published folds '
                '(BP4DDataset, DISFADataset, DFEWDataset, MAFWDataset) or '
                "fold_protocol=dict(type='RandomSubjectKFold', ...).")
        ds_cfg['fold'] = fold

    def __repr__(self) -> str:
        n = self._num_folds if self._num_folds is not None else '?'
        return f'{type(self).__name__}(num_folds={n})'


# ----------------------------------------------------------------------
# The four kinds
# ----------------------------------------------------------------------
@PROTOCOLS.register_module()
class SubjectKFold(BaseFoldProtocol):
    """Subject-exclusive k-fold over fixed, published parts.

    Fold ``k`` tests on part ``test_part[k]`` and trains on all the other
    parts (in part order).

    Args:
        parts (str | dict): a published list (``'bp4d'``, ``'disfa'``; see
            :data:`SUBJECT_PARTS`) or ``{part: [subject, ...]}``.
        test_part (dict, optional): fold -> tested part. Defaults to
            JAA-Net's :data:`FOLD_TEST_PART` for the published lists and
            to "fold k tests part k" for given parts.
        assign (str, optional): how a fold reaches the dataset: ``'fold'``
            sets the dataset's ``fold`` argument (the dataset looks the
            subjects up with :func:`get_fold_subjects`, the same lists);
            ``'subjects'`` sets ``subjects=[...]`` (and ``fold=None`` where
            the dataset has one). Defaults to ``'fold'`` for published
            lists, ``'subjects'`` otherwise.
        **kwargs: see :class:`BaseFoldProtocol`.
    """

    def __init__(self,
                 parts: Union[str, Mapping[int, Sequence[str]]],
                 test_part: Optional[Mapping[int, int]] = None,
                 assign: Optional[str] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(parts, str):
            name = parts.lower()
            if name not in SUBJECT_PARTS:
                raise ValueError(f'SubjectKFold: no published parts named '
                                 f'{parts!r}; valid: {sorted(SUBJECT_PARTS)}, '
                                 'or pass a dict {part: [subjects]}.')
            self.name = name
            self.parts = {int(p): tuple(s)
                          for p, s in SUBJECT_PARTS[name].items()}
            default_test = FOLD_TEST_PART
            default_assign = 'fold'
        else:
            self.name = None
            self.parts = {int(p): tuple(str(x) for x in s)
                          for p, s in dict(parts).items()}
            default_test = {p: p for p in self.parts}
            default_assign = 'subjects'
        every = [s for p in self.parts.values() for s in p]
        dup = sorted({s for s in every if every.count(s) > 1})
        if dup:
            raise ValueError(f'SubjectKFold: subjects {dup} are in several '
                             'parts; parts must be disjoint.')
        if any(not p for p in self.parts.values()):
            raise ValueError('SubjectKFold: every part needs a subject.')
        self.test_part = {int(f): int(p) for f, p in
                          (test_part or default_test).items()}
        if sorted(self.test_part) != list(range(1, len(self.test_part) + 1)) \
                or sorted(self.test_part.values()) != sorted(self.parts):
            raise ValueError(
                f'SubjectKFold: test_part must map folds 1..K onto the parts '
                f'{sorted(self.parts)} one to one, got {self.test_part}.')
        if self._num_folds is not None and self._num_folds != len(
                self.test_part):
            raise ValueError(
                f'SubjectKFold: num_folds={self._num_folds} but the parts '
                f'define {len(self.test_part)} folds.')
        self._num_folds = len(self.test_part)
        self.assign = assign or default_assign
        if self.assign not in ('fold', 'subjects'):
            raise ValueError("SubjectKFold: assign must be 'fold' or "
                             f"'subjects', got {self.assign!r}.")
        if self.assign == 'fold' and self.name is None:
            raise ValueError("SubjectKFold: assign='fold' needs published "
                             'parts (the dataset looks them up by name).')

    def get_fold(self, fold: int) -> Fold:
        fold = self.check_fold(fold)
        t = self.test_part[fold]
        train = tuple(s for p in sorted(self.parts) if p != t
                      for s in self.parts[p])
        return Fold(fold, train, self.parts[t], 'subject')

    def apply_to_dataset(self, ds_cfg, fold, role):
        if self.assign == 'fold':
            self._set_fold(ds_cfg, fold)
            return
        self._set_subjects(ds_cfg, fold, role)

    def __repr__(self):
        return (f'SubjectKFold(parts={self.name or "custom"}, num_folds='
                f'{self.num_folds}, assign={self.assign!r})')


@PROTOCOLS.register_module()
class OfficialSplitFiles(BaseFoldProtocol):
    """Per-fold train / test files shipped with the dataset.

    DFEW (``EmoLabel_DataSplit/{train,test}(single-labeled)/set_<k>.csv``)
    and MAFW (``Train & Test Set/single/no_caption/set_<k>/{train,test}.txt``)
    define five folds this way. A fold sets the dataset's ``fold``
    argument; the dataset class names the files
    (``default_ann_file(fold, split)``).

    Args:
        num_folds (int): number of official folds (5 for DFEW / MAFW).
        **kwargs: see :class:`BaseFoldProtocol`.
    """

    unit = 'file'

    def __init__(self, num_folds: int, **kwargs):
        super().__init__(num_folds=num_folds, **kwargs)
        self._files: Dict[int, Fold] = {}

    def prepare(self, cfg):
        """Name each fold's split files from the config's datasets."""
        files = {}
        for _, role, parent, key in self.dataset_cfgs(cfg):
            ds = parent if key is None else parent[key]
            cls = dataset_class(ds)
            if cls is None or not hasattr(cls, 'default_ann_file'):
                continue
            for k in self.folds:
                split = ds.get('split', role)
                files.setdefault(k, {}).setdefault(role, []).append(
                    cls.default_ann_file(k, split))
        self._files = {
            k: Fold(k, tuple(dict.fromkeys(v.get('train', []))),
                    tuple(dict.fromkeys(v.get('test', []))), 'file')
            for k, v in files.items()}

    def get_fold(self, fold):
        fold = self.check_fold(fold)
        return self._files.get(fold, Fold(fold, (), (), 'file'))

    def apply_to_dataset(self, ds_cfg, fold, role):
        self._set_fold(ds_cfg, fold)


@PROTOCOLS.register_module()
class RandomSubjectKFold(BaseFoldProtocol):
    """Seeded random, subject-exclusive k-fold over the subjects present.

    The subjects (given, or read from the training dataset by
    :meth:`prepare`) are sorted, shuffled with ``numpy.random.default_rng(
    seed)``, optionally cut to the first ``num_subjects`` (CM-CNN: "60
    subjects ... are randomly selected", then ten-fold cross-validation),
    and split into ``num_folds`` near-equal consecutive chunks
    (``numpy.array_split``); fold ``k`` tests on chunk ``k`` and trains on
    the others. The same seed and subject set always give the same folds.

    A fold sets ``subjects=[...]`` on every dataset (and ``fold=None``
    where the config has a ``fold``). The datasets must be able to reach
    every subject, e.g. ``SynthFaceDataset`` with ``split='all'`` (pass
    ``overrides=dict(split='all')``).

    With ``rounds=R > 1`` the whole draw is repeated R times, round ``r``
    (0-based) shuffling with ``default_rng(seed + r)``: a new subject
    selection (with ``num_subjects``) and a new partition each round, as
    BU-3DFE's "Protocol II" of the 3-D FER literature (60 subjects drawn
    anew per round, results averaged over rounds). The protocol then has
    ``R x num_folds`` folds: fold ``k`` is fold ``(k - 1) % num_folds + 1``
    of round ``(k - 1) // num_folds``; ``tools/misc/run_folds.py`` runs
    them all, and their mean equals the mean of the per-round means (every
    round has ``num_folds`` folds; its std is over all folds).

    Args:
        num_folds (int): number of folds per round (10 in CM-CNN).
        seed (int): shuffling seed (of round 0). Defaults to 0.
        num_subjects (int, optional): draw this many subjects first; None
            uses them all.
        subjects (Sequence[str], optional): the candidate subjects; None
            reads them from the training dataset in :meth:`prepare`.
        rounds (int): repetitions of the draw. Defaults to 1.
        **kwargs: see :class:`BaseFoldProtocol`.
    """

    def __init__(self,
                 num_folds: int,
                 seed: int = 0,
                 num_subjects: Optional[int] = None,
                 subjects: Optional[Sequence[str]] = None,
                 rounds: int = 1,
                 **kwargs):
        super().__init__(num_folds=num_folds, **kwargs)
        if isinstance(rounds, bool) or int(rounds) != rounds or rounds < 1:
            raise ValueError('RandomSubjectKFold: rounds must be an integer '
                             f'>= 1, got {rounds!r}.')
        self.seed = int(seed)
        self.rounds = int(rounds)
        self.folds_per_round = self._num_folds
        self.num_subjects = None if num_subjects is None else int(
            num_subjects)
        self._chunks: Optional[List[Tuple[str, ...]]] = None
        self.subjects = None
        self.round_subjects: Optional[List[Tuple[str, ...]]] = None
        if subjects is not None:
            self.set_subjects(subjects)

    @property
    def num_folds(self) -> int:
        """Folds over all rounds (``rounds x`` folds per round)."""
        return self.folds_per_round * self.rounds

    def set_subjects(self, subjects: Sequence[str]) -> None:
        """Draw the folds of every round from ``subjects`` (duplicates are
        merged)."""
        pool = sorted({str(s) for s in subjects})
        n = len(pool) if self.num_subjects is None else self.num_subjects
        k = self.folds_per_round
        if n > len(pool):
            raise ValueError(f'RandomSubjectKFold: num_subjects={n} but only '
                             f'{len(pool)} subjects are present.')
        if n < k:
            raise ValueError(
                f'RandomSubjectKFold: {n} subjects cannot make '
                f'{k} subject-exclusive folds.')
        chunks, chosen_per_round = [], []
        for r in range(self.rounds):
            order = np.random.default_rng(self.seed + r).permutation(
                len(pool))
            chosen = [pool[i] for i in order[:n]]
            chosen_per_round.append(tuple(chosen))
            chunks += [tuple(sorted(c.tolist())) for c in np.array_split(
                np.asarray(chosen, dtype=object), k)]
        self.round_subjects = chosen_per_round
        self.subjects = chosen_per_round[0]
        self._chunks = chunks

    def prepare(self, cfg):
        if self._chunks is not None:
            return
        train = [(p, k) for _, role, p, k in self.dataset_cfgs(cfg)
                 if role == 'train']
        if not train:
            raise KeyError('RandomSubjectKFold: no training dataset among '
                           f'cfg_keys {list(self.cfg_keys)} to read the '
                           'subjects from; pass subjects=[...].')
        found = []
        for parent, key in train:
            ds_cfg = copy.deepcopy(parent if key is None else parent[key])
            ds_cfg.update(copy.deepcopy(self.overrides))
            found += read_subjects(ds_cfg)
        self.set_subjects(found)

    def get_fold(self, fold):
        fold = self.check_fold(fold)
        if self._chunks is None:
            raise RuntimeError('RandomSubjectKFold: the subjects are not '
                               'known yet; pass subjects=[...] or call '
                               'prepare(cfg) first.')
        k = self.folds_per_round
        start = (fold - 1) // k * k        # first chunk of the fold's round
        test = self._chunks[fold - 1]
        train = tuple(sorted(s for i, c in enumerate(
            self._chunks[start:start + k], start) if i != fold - 1
                             for s in c))
        return Fold(fold, train, test, 'subject')

    def apply_to_dataset(self, ds_cfg, fold, role):
        self._set_subjects(ds_cfg, fold, role)

    def __repr__(self):
        rounds = f', rounds={self.rounds}' if self.rounds > 1 else ''
        return (f'RandomSubjectKFold(num_folds={self.folds_per_round}, seed='
                f'{self.seed}, num_subjects={self.num_subjects}{rounds})')


def read_subjects(ds_cfg: dict) -> List[str]:
    """Subject of every sample of a dataset config (built without its
    pipeline, subject filter or fold)."""
    ds_cfg = copy.deepcopy(ds_cfg)
    ds_cfg['pipeline'] = []
    ds_cfg.pop('subjects', None)
    if 'fold' in ds_cfg:
        ds_cfg['fold'] = None
    dataset = DATASETS.build(ds_cfg)
    subjects = [dataset.get_data_info(i).get('subject')
                for i in range(len(dataset))]
    if not subjects or any(s is None for s in subjects):
        raise KeyError(f'RandomSubjectKFold: dataset {ds_cfg.get("type")} '
                       'gives samples without a "subject"; subject-exclusive '
                       'folds need it (or pass subjects=[...]).')
    return [str(s) for s in subjects]


@PROTOCOLS.register_module()
class LeaveOneDatasetOut(BaseFoldProtocol):
    """Cross-database folds: test on one dataset, train on the others.

    Fold ``k`` trains on every dataset of ``datasets`` except the k-th
    (a ``ConcatDataset`` when there are several) and tests on the k-th.
    The datasets are given without a pipeline: each one gets the pipeline
    of the dataset config it replaces in the training config (the train
    pipeline for training, the test pipeline for testing), unless it sets
    its own. Their metainfo (class names) must agree; see the expression
    vocabulary.

    Args:
        datasets (dict | Sequence[dict]): ``{name: dataset config}`` in
            fold order, or a list of configs (named by their ``type``).
        concat_cfg (dict, optional): extra ``ConcatDataset`` arguments,
            e.g. ``dict(ignore_keys=['dataset_name'])``.
        **kwargs: see :class:`BaseFoldProtocol`.
    """

    unit = 'dataset'

    def __init__(self,
                 datasets: Union[Mapping[str, dict], Sequence[dict]],
                 concat_cfg: Optional[dict] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(datasets, Mapping):
            items = [(str(k), dict(v)) for k, v in datasets.items()]
        else:
            items = [(str(d.get('type')), dict(d)) for d in datasets]
        names = [n for n, _ in items]
        if len(items) < 2:
            raise ValueError('LeaveOneDatasetOut: needs at least two '
                             f'datasets, got {names}.')
        if len(set(names)) != len(names):
            raise ValueError(f'LeaveOneDatasetOut: dataset names {names} '
                             'repeat; pass a dict {name: config}.')
        if self._num_folds is not None and self._num_folds != len(items):
            raise ValueError(f'LeaveOneDatasetOut: num_folds='
                             f'{self._num_folds} but {len(items)} datasets.')
        self._num_folds = len(items)
        self.datasets = items
        self.concat_cfg = dict(concat_cfg or {})

    def get_fold(self, fold):
        fold = self.check_fold(fold)
        names = [n for n, _ in self.datasets]
        return Fold(fold, tuple(n for i, n in enumerate(names)
                                if i != fold - 1), (names[fold - 1], ),
                    'dataset')

    def _with_pipeline(self, ds: dict, template: dict) -> dict:
        ds = copy.deepcopy(ds)
        if 'pipeline' not in ds and 'pipeline' in template:
            ds['pipeline'] = copy.deepcopy(template['pipeline'])
        if 'test_mode' in template and 'test_mode' not in ds:
            ds['test_mode'] = template['test_mode']
        return ds

    def apply(self, cfg, fold):
        fold = self.check_fold(fold)
        done = set()
        for path, role, parent, key in self.dataset_cfgs(cfg):
            template = parent if key is None else parent[key]
            if id(template) in done:
                continue
            if role == 'test':
                new = self._with_pipeline(self.datasets[fold - 1][1],
                                          template)
            else:
                train = [self._with_pipeline(d, template)
                         for i, (_, d) in enumerate(self.datasets)
                         if i != fold - 1]
                new = train[0] if len(train) == 1 else dict(
                    type='ConcatDataset', datasets=train, **self.concat_cfg)
            for k, v in self.overrides.items():
                for leaf_parent, leaf_key in leaf_datasets(new):
                    leaf = (leaf_parent if leaf_key is None
                            else leaf_parent[leaf_key])
                    leaf[k] = copy.deepcopy(v)
            if key is None:  # the dataloader's own dataset
                loader = _get(cfg, path.rsplit('.', 1)[0]) if '.' in path \
                    else cfg
                loader[path.rsplit('.', 1)[-1]] = new
                done.add(id(new))
            else:
                parent[key] = new
                done.add(id(new))
            done.add(id(template))
        return self.get_fold(fold)

    def apply_to_dataset(self, ds_cfg, fold, role):  # pragma: no cover
        raise NotImplementedError('LeaveOneDatasetOut replaces datasets in '
                                  'apply().')

    def __repr__(self):
        return (f'LeaveOneDatasetOut(datasets='
                f'{[n for n, _ in self.datasets]})')


# ----------------------------------------------------------------------
# Choosing the protocol of a config
# ----------------------------------------------------------------------
def build_protocol(cfg: Mapping, source: str = 'the config'):
    """The fold protocol of a training config.

    Uses ``cfg.fold_protocol`` when the config declares one; otherwise
    falls back to what the training dataset's ``fold`` argument supports:
    a published protocol (the class attribute ``PROTOCOL``, e.g. BP4D's
    ``'bp4d'``) or a number of official split files (``NUM_FOLDS``).

    Args:
        cfg (Mapping): the training config.
        source (str): the config's file name, for the error message.

    Returns:
        BaseFoldProtocol: the protocol.
    """
    declared = cfg.get('fold_protocol')
    if declared is not None:
        if isinstance(declared, BaseFoldProtocol):
            return declared
        declared = dict(declared)
        if 'type' not in declared:
            raise KeyError(f'{source}: fold_protocol needs a "type", one of '
                           f'{sorted(PROTOCOLS.module_dict)}.')
        return PROTOCOLS.build(declared)
    train = cfg.get('train_dataloader') or {}
    ds = train.get('dataset') if isinstance(train, Mapping) else None
    if isinstance(ds, Mapping):
        for parent, key in leaf_datasets(ds):
            cls = dataset_class(parent if key is None else parent[key])
            if cls is None:
                continue
            if isinstance(getattr(cls, 'PROTOCOL', None), str) and \
                    cls.PROTOCOL in SUBJECT_PARTS:
                return SubjectKFold(parts=cls.PROTOCOL)
            if isinstance(getattr(cls, 'NUM_FOLDS', None), int) and \
                    accepts(parent if key is None else parent[key], 'fold'):
                return OfficialSplitFiles(num_folds=cls.NUM_FOLDS)
    raise ValueError(
        f'{source} declares no fold_protocol and the folds of its training '
        f'dataset ({ds.get("type") if isinstance(ds, Mapping) else ds}) are '
        'unknown (no published PROTOCOL or NUM_FOLDS). Declare one at top '
        "level, e.g. fold_protocol = dict(type='RandomSubjectKFold', "
        'num_folds=10, seed=0); registered types: '
        f'{sorted(PROTOCOLS.module_dict)}.')
