"""Base class of mmfer's image datasets (one sample = one face image)."""
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmfer.registry import DATASETS
from mmfer.structures.modalities import MODALITIES, PATH_KEYS, path_key
from .fer_dataset_mixin import FERDatasetMixin
from .transforms.parsing import CELEBAMASK_HQ_PARTS

#: Annotation key of each modality's file (derived ones: their source's),
#: from the modality table :mod:`mmfer.structures.modalities`.
MODALITY_KEYS = {name: path_key(name) for name in MODALITIES}


@DATASETS.register_module()
class BaseFERDataset(FERDatasetMixin, BaseDataset):
    """Face images with expression / AU labels and several modalities.

    Reads the OpenMMLab annotation format (a json file with ``metainfo``
    and ``data_list``) or a subclass's own ``load_data_list``. Items
    without ``gt_label`` (unlabelled faces for pre-training) are valid;
    such a dataset has ``classes == ()``. Each item
    may hold:

    - ``img_path`` / ``depth_path`` / ``thermal_path`` / ``parsing_path``:
      files of each modality, relative to ``data_root``; a
      ``parsing_path`` may be a per-part template with ``{part}``
      (CelebAMask-HQ, see :class:`~.transforms.LoadParsingMap`): at
      start-up at least one of its :attr:`PARSING_PARTS` files must exist
      per sample (an absent part file is an absent part);
    - ``gt_label`` (int): expression class index into
      ``metainfo['classes']``, whose names are made canonical
      (:mod:`mmfer.structures.expressions`; the index order is kept). A
      class *name* (any alias, e.g. ``"happy"``) is accepted and replaced
      by its index; anything else (an index out of range, -1, another
      string, a bool or a fractional number, or a labelled dataset in
      which some samples lack ``gt_label``) is refused at load time by
      one error naming the annotation file, the samples and the classes
      (:meth:`FERDatasetMixin._check_labels`);
    - ``au_occ`` (list[int]): AU occurrence per ``au_names`` entry, with
      -1 for "not coded" (length and values checked at load time);
    - ``au_int`` (list[float]): AU intensities;
    - ``subject`` (str).

    Every item gets ``domain`` (str, the dataset name), see
    :class:`FERDatasetMixin`.

    Args:
        ann_file (str): annotation file, relative to ``data_root``.
        data_root (str): root folder of the dataset.
        modalities (Sequence[str]): modalities the pipeline loads; their
            files are checked at start-up. Any of ``'rgb'``, ``'depth'``,
            ``'thermal'``, ``'parsing'``. Defaults to ``('rgb',)``.
        subjects (Sequence[str], optional): keep only these subjects (for
            subject-exclusive folds). Every listed subject must occur in
            the annotations, and a selection that leaves no sample is an
            error naming the subjects there are. Defaults to None (all).
        check_files (bool): verify at start-up that every needed modality
            file exists, so a missing file fails before training rather
            than hours into it. Defaults to True.
        domain (str, optional): the ``domain`` of every sample; defaults
            to the class's ``DOMAIN`` (for this generic class: the
            annotation file's ``metainfo['domain']``, else an error).
        label_space (str | Sequence[str], optional): express ``gt_label``
            in this dataset's (name) or class list's index order, e.g.
            ``'dfew'`` to evaluate a DFEW model. Defaults to None (the
            dataset's own order).
        unmapped (str): ``'error'`` (default) or ``'drop'``: samples whose
            class ``label_space`` lacks.
        **kwargs: passed to :class:`mmengine.dataset.BaseDataset`
            (``pipeline``, ``test_mode``, ``metainfo``, ...).
    """

    #: Part names a per-part parsing template (``{part}``) is filled
    #: with when the files are checked at start-up (see
    #: :class:`~.transforms.LoadParsingMap`).
    PARSING_PARTS: Sequence[str] = CELEBAMASK_HQ_PARTS

    def __init__(self,
                 ann_file: str = '',
                 data_root: str = '',
                 modalities: Sequence[str] = ('rgb', ),
                 subjects: Optional[Sequence[str]] = None,
                 check_files: bool = True,
                 domain: Optional[str] = None,
                 label_space: Union[str, Sequence[str], None] = None,
                 unmapped: str = 'error',
                 **kwargs):
        self._init_contract(domain, label_space, unmapped)
        unknown = [m for m in modalities if m not in MODALITY_KEYS]
        if unknown:
            raise ValueError(f'Unknown modalities {unknown}; valid ones are '
                             f'{sorted(MODALITY_KEYS)}.')
        self.modalities = tuple(modalities)
        self.subjects = None if subjects is None else list(subjects)
        self.check_files = check_files
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Make the modality paths absolute (joined with ``data_root``)."""
        info = dict(raw_data_info)
        for key in PATH_KEYS:
            if info.get(key):
                info[key] = osp.join(self.data_root, info[key])
        return info

    def filter_data(self) -> List[dict]:
        """Apply the dataset contract (labels checked, classes, label
        space, domain) to every loaded sample, keep the requested subjects
        (each must exist), refuse an empty result, check the files."""
        data_list = self._apply_contract(self.data_list)
        present = {d.get('subject') for d in data_list} - {None}
        if self.subjects is not None:
            missing = [s for s in self.subjects if s not in present]
            if missing:
                raise ValueError(
                    f'{self._where()}: subjects {missing} are requested '
                    '(e.g. by a fold definition) but have no samples in '
                    'the annotations. Check data_root, or that the dataset '
                    'was extracted '
                    'completely; present subjects: '
                    f'{sorted(present, key=str)[:50]}')
            keep = set(self.subjects)
            data_list = [d for d in data_list if d.get('subject') in keep]
        if not data_list:
            self._raise_empty(sorted(present, key=str))
        if self.check_files:
            self._check_files(data_list)
        return data_list

    def _raise_empty(self, present: Sequence[str]) -> None:
        """No sample is left: name the dataset, its files, the filter that
        selected (subjects / fold / split) and the subjects there are."""
        filters = []
        if self.subjects is not None:
            shown = self.subjects[:10]
            more = len(self.subjects) - len(shown)
            filters.append(f'subjects={shown}' +
                           (f' (+{more} more)' if more > 0 else ''))
        for key in ('fold', 'split'):
            if getattr(self, key, None) is not None:
                filters.append(f'{key}={getattr(self, key)!r}')
        selection = ', '.join(filters) or 'no subject filter'
        if present:
            available = (f'The annotations hold {len(present)} subject(s): '
                         f'{list(present[:10])}'
                         + (' ...' if len(present) > 10 else '') + '.')
        else:
            available = 'The loader found no samples for this selection.'
        raise ValueError(
            f'{type(self).__name__}: no samples are left after selecting '
            f'{selection} (data_root {self.data_root!r}, annotation file '
            f'{self.ann_file or "none (read by the loader)"}). {available} '
            'Select subjects that occur in the annotations (for a fold '
            'protocol: check fold_protocol and that data_root holds every '
            'subject of the fold), or check data_root.')

    def _check_part_template(self, info: dict, template: str) -> bool:
        """Whether a per-part parsing template (``.../00000_{part}.png``,
        see :class:`~.transforms.LoadParsingMap`) has at least one part
        file. An absent part file is normal (the image does not show the
        part); no part file at all means the sample's masks are missing."""
        try:
            paths = [template.format(part=p) for p in self.PARSING_PARTS]
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                f'{type(self).__name__}: sample '
                f'{info.get("sample_idx", "?")} has the parsing path '
                f'{template!r}, which is neither a file nor a template with '
                'only the placeholder "{part}" (e.g. ".../00000_{part}.png")'
                '. Fix the annotation.') from None
        return any(osp.isfile(p) for p in paths)

    def _check_files(self, data_list: List[dict]) -> None:
        missing, no_parts = [], []
        for i, info in enumerate(data_list):
            for modality in self.modalities:
                path = info.get(MODALITY_KEYS[modality])
                if path is None:
                    raise KeyError(
                        f'{type(self).__name__}: the pipeline needs modality '
                        f'"{modality}" but the annotation of sample '
                        f'{info.get("sample_idx", "?")} has no '
                        f'"{MODALITY_KEYS[modality]}". Remove it from '
                        '`modalities` or use a dataset that provides it.')
                if osp.isfile(path):
                    continue
                if '{' in path and modality == 'parsing':
                    if not self._check_part_template(info, path):
                        no_parts.append(
                            f'sample {info.get("sample_idx", i)} ({path})')
                else:
                    missing.append(path)
        if no_parts:
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(no_parts)} sample(s) have no '
                f'part mask file at all (parts {list(self.PARSING_PARTS)}), '
                f'e.g. {no_parts[:3]}. Re-extract the mask folder (for '
                'CelebAMask-HQ: CelebAMask-HQ-mask-anno/<k // 2000>/'
                '<k:05d>_<part>.png), or drop "parsing" from modalities.')
        if missing:
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(missing)} modality file(s) '
                f'are missing, e.g. {missing[:3]}. Re-extract or regenerate '
                'the dataset (for SynthFace: tools/dataset_converters/'
                'make_synthface.py --force), or set check_files=False to '
                'fail only when a missing file is read.')

    # ------------------------------------------------------------------
    # AU label statistics (used e.g. for the positive weights of a BCE)
    # ------------------------------------------------------------------
    def get_au_labels(self) -> np.ndarray:
        """(N, K) int array of AU occurrence labels (-1 = not coded)."""
        return np.asarray(self._collect('au_occ'), dtype=int)

    def get_au_frequencies(self) -> np.ndarray:
        """(K,) positive rate of each AU over the coded labels."""
        labels = self.get_au_labels()
        coded = labels >= 0
        return (labels == 1).sum(0) / np.maximum(coded.sum(0), 1)
