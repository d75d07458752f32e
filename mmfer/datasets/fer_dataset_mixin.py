"""The contract every mmfer dataset keeps, image and clip datasets alike.

:class:`BaseFERDataset` (one sample = one face image) and
:class:`VideoFERDataset` (one sample = one clip) both derive from
:class:`FERDatasetMixin`, which writes each of these once:

- **classes**: ``metainfo['classes']`` holds canonical expression names
  (:mod:`mmfer.structures.expressions`) in the dataset's published index
  order, and ``gt_label`` indexes it. A dataset without expression labels
  (BP4D, BP4D+, DISFA) has ``classes == ()``.
- **label space**: ``label_space='dfew'`` (a dataset name or a class-name
  list) re-expresses ``gt_label`` in another dataset's index order by name,
  e.g. to evaluate a DFEW-trained model on SynthFace; ``metainfo['classes']``
  becomes that order. A class the target lacks is an error, or with
  ``unmapped='drop'`` its samples are dropped (their count is logged).
- **domain**: every sample carries ``domain`` (str), the dataset name
  (``'synthface'``, ``'dfew'``, ``'bp4d'``, ...; the ``domain`` argument
  overrides it, e.g. to tell two SynthFace renders apart in one
  ``ConcatDataset``). ``PackFERInputs`` puts it in the data sample's
  metainfo (``data_sample.domain``).
- **auto-generation**: with ``auto_generate=dict(...)`` a missing dataset
  is rendered by SynthFace in the class's ``LAYOUT`` (cached; real data is
  never touched).
- :meth:`get_gt_labels`: the (N,) expression labels.
"""
import logging
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dist import get_dist_info
from mmengine.logging import print_log

from mmfer.structures.expressions import (UNMAPPED, canonical_classes,
                                          canonical_expression,
                                          label_mapping, resolve_classes)


class FERDatasetMixin:
    """Classes, label space, domain, auto-generation and label statistics.

    To be listed before :class:`mmengine.dataset.BaseDataset` in a base
    class; that base calls :meth:`_init_contract` in ``__init__`` (before
    ``BaseDataset.__init__``) and :meth:`_apply_contract` in
    ``filter_data`` (after selecting subjects, before checking files).

    Class attributes:
        DOMAIN (str | None): the dataset name put on every sample; None
            means it must come from the ``domain`` argument or the
            annotation file's ``metainfo['domain']``.
        LAYOUT (str | None): the SynthFace layout that ``auto_generate``
            renders (None: auto-generation is not available).
    """

    DOMAIN: Optional[str] = None
    LAYOUT: Optional[str] = None
    UNMAPPED_POLICIES = ('error', 'drop')

    def _init_contract(self,
                       domain: Optional[str] = None,
                       label_space: Union[str, Sequence[str], None] = None,
                       unmapped: str = 'error') -> None:
        """Store and check the contract arguments.

        Args:
            domain (str, optional): overrides :attr:`DOMAIN`.
            label_space (str | Sequence[str], optional): a dataset name of
                :data:`mmfer.structures.expressions.DATASET_CLASSES` or a
                class-name list to express ``gt_label`` in.
            unmapped (str): ``'error'`` or ``'drop'``: what happens to a
                sample whose class ``label_space`` lacks.
        """
        name = type(self).__name__
        if domain is not None and (not isinstance(domain, str)
                                   or not domain):
            raise TypeError(f'{name}: domain must be a non-empty str (the '
                            f'dataset name), got {domain!r}.')
        if unmapped not in self.UNMAPPED_POLICIES:
            raise ValueError(f'{name}: unmapped must be one of '
                             f'{self.UNMAPPED_POLICIES}, got {unmapped!r}.')
        if label_space is not None:
            resolve_classes(label_space)  # fail at once on a bad name
        self.domain = domain if domain is not None else self.DOMAIN
        self.label_space = label_space
        self.unmapped = unmapped
        self.dataset_classes: tuple = ()

    # ------------------------------------------------------------------
    # Auto-generation of SynthFace data
    # ------------------------------------------------------------------
    def _prepare_data(self,
                      data_root: str,
                      marker: str,
                      auto_generate: Optional[dict],
                      missing_ok: bool = False) -> None:
        """Make sure the dataset exists, rendering it if asked.

        - ``auto_generate`` None: the data must exist; an absent ``marker``
          is an error naming it (unless ``missing_ok``: the loader then
          reports what is missing itself).
        - ``marker`` present without a SynthFace ``meta.json``: real data,
          never touched.
        - otherwise ``generate_layout(LAYOUT, data_root, **auto_generate)``,
          which returns at once when an identical dataset is cached and
          re-renders one made with other arguments. Rendering is
          deterministic, so concurrent ranks write the same files.

        Args:
            data_root (str): the dataset root.
            marker (str): a path relative to ``data_root`` whose existence
                means the dataset is there (an annotation file or folder).
            auto_generate (dict | None): keyword arguments of
                :func:`mmfer.datasets.synthface.generate_layout`.
            missing_ok (bool): see above. Defaults to False.
        """
        name = type(self).__name__
        path = osp.join(data_root, marker)
        synthetic = osp.isfile(osp.join(data_root, 'meta.json'))
        if auto_generate is None:
            if not missing_ok and not osp.exists(path):
                hint = '' if self.LAYOUT is None else (
                    ', or set auto_generate=dict(...) to render a SynthFace '
                    f'{self.LAYOUT}-layout dataset there (or run tools/'
                    'dataset_converters/make_synthface.py --layout '
                    f'{self.LAYOUT} --out {data_root})')
                raise FileNotFoundError(
                    f'{name}: {path} not found. Check data_root (see '
                    f'docs/datasets/){hint}.')
            return
        if osp.exists(path) and not synthetic:
            return  # real data (not written by SynthFace): never touch it
        if self.LAYOUT is None:
            raise ValueError(f'{name} has no SynthFace layout; '
                             'auto_generate is not available.')
        from .synthface import generate_layout
        if not synthetic:
            rank, _ = get_dist_info()
            print(f'[rank {rank}] {name}: rendering a SynthFace '
                  f'{self.LAYOUT}-layout dataset into {data_root} '
                  f'({auto_generate}) ...', flush=True)
        generate_layout(self.LAYOUT, data_root, **auto_generate)

    # ------------------------------------------------------------------
    # Classes, label space and domain
    # ------------------------------------------------------------------
    def _apply_contract(self, data_list: List[dict]) -> List[dict]:
        """Canonical classes, the label space and ``domain`` on each item.

        Called once the annotations are loaded (their ``metainfo`` merged),
        before any other filtering.
        """
        where = self._where()
        if self.domain is None:
            self.domain = self._metainfo.get('domain')
        if not isinstance(self.domain, str) or not self.domain:
            raise ValueError(
                f'{where}: every sample needs a domain (the dataset name); '
                "pass domain='<dataset name>' (e.g. domain='rafdb') or put "
                "'domain' into the annotation file's metainfo.")
        try:
            classes = canonical_classes(self._metainfo.get('classes') or ())
        except ValueError as e:
            raise ValueError(f'{where}: metainfo classes: {e}') from None
        self.dataset_classes = classes
        self._check_labels(data_list, classes, where)
        self._check_au_labels(data_list, where)
        if self.label_space is not None and data_list:
            classes, data_list = self._to_label_space(classes, data_list,
                                                      where)
            if not data_list:
                raise ValueError(
                    f'{where}: label_space {list(classes)} with '
                    "unmapped='drop' dropped every sample (the dataset has "
                    f'{list(self.dataset_classes)}). Choose a label space '
                    'that shares classes with the dataset.')
        self._metainfo['classes'] = classes
        for d in data_list:
            d['domain'] = self.domain
        return data_list

    # ------------------------------------------------------------------
    # Label validation (at load time, one message naming the samples)
    # ------------------------------------------------------------------
    def _where(self) -> str:
        """``'<Class> (annotation file <path>)'`` or ``'(data_root ...)'``:
        what an error message names as the source of the samples."""
        ann_file = getattr(self, 'ann_file', '')
        if ann_file:
            return f'{type(self).__name__} (annotation file {ann_file})'
        return (f'{type(self).__name__} (data_root '
                f'{getattr(self, "data_root", "")})')

    @staticmethod
    def _describe_sample(index: int, info: dict) -> str:
        """``'sample 3 (img_path .../a.png)'``: the position in the loaded
        data list and the sample's file (image, clip folder or clip id)."""
        for key in ('img_path', 'frame_dir', 'clip_id'):
            if info.get(key) is not None:
                return f'sample {index} ({key} {info[key]})'
        return f'sample {index}'

    def _check_labels(self, data_list: List[dict], classes: tuple,
                      where: str) -> None:
        """Make every ``gt_label`` an int index into ``classes``, or raise.

        Accepted per sample: an int (or an integral float / numpy integer)
        in ``0 .. len(classes) - 1``, or a class **name** (any spelling
        of :mod:`mmfer.structures.expressions`, e.g. ``'happy'``), which is
        replaced by its index when ``classes`` has that expression. Refused,
        in one ``ValueError`` naming the first samples, the values and the
        valid classes: other strings (also digit strings such as ``'3'``),
        booleans, non-integral numbers, indices outside the range, and a
        labelled dataset in which some samples lack ``gt_label`` (an
        entirely unlabelled dataset is valid, e.g. for pre-training).

        Args:
            data_list (list[dict]): the loaded samples; labels are
                normalised in place.
            classes (tuple[str]): canonical class names.
            where (str): the dataset and file, for the message.
        """
        bad, absent = [], []
        num_labelled = 0
        for i, info in enumerate(data_list):
            if 'gt_label' not in info or info['gt_label'] is None:
                absent.append(i)
                continue
            num_labelled += 1
            label = info['gt_label']
            index = self._label_index(label, classes)
            if index is None:
                bad.append((i, info, label))
            else:
                info['gt_label'] = index
        if num_labelled and not classes:
            raise ValueError(
                f'{where}: samples carry gt_label but metainfo has no '
                "'classes' (e.g. "
                f'{self._describe_sample(0, data_list[0])}). Add '
                "metainfo=dict(classes=[...]) in the label order of the "
                'annotations (to the annotation file or the dataset '
                'config).')
        if bad:
            values = list(dict.fromkeys(repr(v) for _, _, v in bad))
            shown = '; '.join(f'{self._describe_sample(i, d)}: gt_label '
                              f'{v!r}' for i, d, v in bad[:5])
            raise ValueError(
                f'{where}: gt_label [{", ".join(values[:10])}] outside the '
                f'{len(classes)} classes in {len(bad)} sample(s), e.g. '
                f'{shown}. A gt_label must be an int in 0..'
                f'{len(classes) - 1}, an index into the classes '
                f'{list(classes)}, or one of these class names (aliases '
                'such as "happy" are accepted). Fix the annotation, or give '
                'metainfo classes that match its labels.')
        if absent and num_labelled:
            shown = '; '.join(self._describe_sample(i, data_list[i])
                              for i in absent[:5])
            raise ValueError(
                f'{where}: {len(absent)} of {len(data_list)} sample(s) have '
                f'no gt_label, e.g. {shown}, while the others have one. '
                'Give every sample a gt_label (an index into the classes '
                f'{list(classes)}), or remove the unlabelled samples.')

    @staticmethod
    def _label_index(label, classes: tuple) -> Optional[int]:
        """``label`` as an index into ``classes``; None if invalid."""
        if isinstance(label, (bool, np.bool_)):
            return None
        if isinstance(label, str):
            try:
                name = canonical_expression(label)
            except ValueError:
                return None
            return classes.index(name) if name in classes else None
        if isinstance(label, (int, np.integer)):
            index = int(label)
        elif isinstance(label, (float, np.floating)) and float(
                label).is_integer():
            index = int(label)
        else:
            return None
        return index if 0 <= index < len(classes) else None

    def _check_au_labels(self, data_list: List[dict], where: str) -> None:
        """``au_occ`` / ``au_int`` of every sample must have one entry per
        ``metainfo['au_names']`` entry (when the metainfo lists AUs), and
        ``au_occ`` values must be -1 (not coded), 0 or 1."""
        au_names = self._metainfo.get('au_names')
        if not au_names:
            return
        num_aus = len(au_names)
        for key in ('au_occ', 'au_int'):
            wrong = [(i, d) for i, d in enumerate(data_list)
                     if d.get(key) is not None
                     and not _is_vector(d[key], num_aus)]
            if wrong:
                shown = '; '.join(
                    f'{self._describe_sample(i, d)}: {key} of length '
                    f'{np.size(d[key])}' for i, d in wrong[:5])
                raise ValueError(
                    f'{where}: {len(wrong)} sample(s) have a {key} whose '
                    f'length is not the {num_aus} AUs of metainfo au_names '
                    f'{list(au_names)}, e.g. {shown}. Give one entry per AU '
                    'in au_names order (au_occ: -1 = not coded), or fix '
                    'au_names / au_ids.')
        occ = [(i, d) for i, d in enumerate(data_list)
               if d.get('au_occ') is not None]
        if occ:
            values = np.asarray([d['au_occ'] for _, d in occ])
            rows = np.flatnonzero(((values < -1) | (values > 1)
                                   | (values != np.round(values))).any(1))
            if rows.size:
                shown = '; '.join(
                    f'{self._describe_sample(*occ[r])}: au_occ '
                    f'{list(occ[r][1]["au_occ"])}' for r in rows[:3])
                raise ValueError(
                    f'{where}: {rows.size} sample(s) have au_occ values '
                    f'other than -1 (not coded), 0 and 1, e.g. {shown}. '
                    'Binarise the AU labels (occurrence, not intensity; '
                    'intensities go to au_int).')

    def _to_label_space(self, classes: tuple, data_list: List[dict],
                        where: str):
        """Re-index ``gt_label`` into ``self.label_space`` by name.

        Returns:
            tuple: the target classes and the (possibly shorter) data list.
        """
        target = resolve_classes(self.label_space)
        mapping = label_mapping(classes, target, missing='unmapped')
        lacking = {}  # source class the target lacks -> number of samples
        kept = []
        for d in data_list:
            if d.get('gt_label') is not None:
                src = int(d['gt_label'])
                if mapping[src] == UNMAPPED:
                    lacking[classes[src]] = lacking.get(classes[src], 0) + 1
                    continue
                d['gt_label'] = mapping[src]
            kept.append(d)
        if lacking and self.unmapped == 'error':
            raise ValueError(
                f'{where}: label_space {list(target)} lacks the classes '
                f'{lacking} (class: samples). Pass unmapped=\'drop\' to '
                'drop these samples, or choose a label space that has them.')
        if lacking:
            print_log(
                f'{where}: dropped {sum(lacking.values())} sample(s) whose '
                f'class is not in label_space {list(target)}: {lacking}',
                logger='current', level=logging.WARNING)
        return target, kept

    # ------------------------------------------------------------------
    # Label statistics (used e.g. for class-balanced loss weights)
    # ------------------------------------------------------------------
    def _collect(self, key: str) -> list:
        """``key`` of every sample (works after mmengine serialised the
        data list, which empties ``self.data_list``)."""
        values = [self.get_data_info(i).get(key) for i in range(len(self))]
        if not values or any(v is None for v in values):
            raise KeyError(f'{type(self).__name__} has no "{key}" labels '
                           'for every sample.')
        return values

    def get_gt_labels(self) -> np.ndarray:
        """(N,) int expression labels, indices into
        ``metainfo['classes']``."""
        return np.asarray(self._collect('gt_label'), dtype=int)


def _is_vector(value, length: int) -> bool:
    """Whether ``value`` is a flat list / tuple / array of ``length``
    entries (a cheap test: AU datasets hold 10^5 frames)."""
    if isinstance(value, (list, tuple)):
        return len(value) == length and (
            not length or not isinstance(value[0], (list, tuple)))
    return np.shape(value) == (length, )
