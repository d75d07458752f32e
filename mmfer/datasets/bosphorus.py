"""Bosphorus: 3-D face scans in expressions, poses and occlusions.

Savran et al., "Bosphorus Database for 3D Face Analysis", BIOID 2008.
4666 textured range scans of 105 subjects. CM-CNN (Ni et al., "Facial
Expression Recognition Through Cross-Modality Attention Fusion", Sec.
IV-A) uses the six emotion scans of 60 randomly selected subjects (360
samples) with ten-fold cross-validation.
"""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from mmengine.logging import print_log

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .base_fer_dataset import BaseFERDataset
from .bu3dfe import needs_depth_root, scan_depth_path, subject_dirs

#: Emotion codes of the file names, in label order
#: (``DATASET_CLASSES['bosphorus']``).
BOSPHORUS_EMOTION_CODES = ('E_ANGER', 'E_DISGUST', 'E_FEAR', 'E_HAPPY',
                           'E_SADNESS', 'E_SURPRISE')
#: Prefixes of the scans the emotion protocol ignores: neutral (N_N),
#: lower / upper face and combined action units (LFAU_, UFAU_, CAU_), yaw,
#: pitch and cross rotations (YR_, PR_, CR_) and occlusions (O_).
BOSPHORUS_OTHER_PREFIXES = ('N', 'LFAU', 'UFAU', 'CAU', 'YR', 'PR', 'CR',
                            'O', 'IGN')
#: ``bs000_<CODE>_<k>.bnt``: CODE e.g. E_ANGER, N_N, YR_R10, LFAU_12.
SCAN_RE = re.compile(r'(?P<subject>bs\d{3})_'
                     r'(?P<code>[A-Z0-9]+(?:_[A-Z0-9]+)*?)_(?P<take>\d+)\.bnt')
SUBJECT_RE = re.compile(r'bs\d{3}')
#: The ``fold_protocol`` of CM-CNN's Bosphorus protocol.
BOSPHORUS_FOLD_PROTOCOL = dict(type='RandomSubjectKFold', num_folds=10,
                               num_subjects=60, seed=0)


@DATASETS.register_module()
class BosphorusDataset(BaseFERDataset):
    """Bosphorus emotion scans with their 2-D images (and depth images).

    Reads the layout as distributed (``../shared/DATASETS.md``)::

        data_root/
          bs000/bs000_E_ANGER_0.bnt    range grid (read by read_bnt)
          bs000/bs000_E_ANGER_0.png    its 2-D image
          bs000/bs000_E_ANGER_0.lm3    3-D landmarks (.lm2: 2-D)
          bs000/bs000_N_N_0.bnt ...    other codes: ignored
        depth_root/                    optional, written by
          bs000/bs000_E_ANGER_0_depth.png   tools/dataset_converters/
                                            scans_to_depth.py

    Each ``.bnt`` with one of the six emotion codes
    (:data:`BOSPHORUS_EMOTION_CODES`) is one sample with ``img_path`` (the
    ``.png``), ``scan_path`` (the ``.bnt``), ``landmark_path`` (the
    ``.lm3``, when present), ``depth_path`` (only with ``depth_root``),
    ``gt_label`` (anger, disgust, fear, happiness, sadness, surprise),
    ``subject``, ``code``, ``take`` (the trailing number) and ``domain``
    (``'bosphorus'``). Scans of the other codes (neutral, action units,
    rotations, occlusions; :data:`BOSPHORUS_OTHER_PREFIXES`) are ignored
    and counted in one log line; an ``E_`` code that is not one of the six,
    or a file name that does not parse, is an error naming the file.

    Protocol (CM-CNN Sec. IV-A, "60 subjects displaying six basic facial
    expressions are randomly selected ... 60 x 6 = 360 samples"):
    ``require_all_expressions=True`` and
    ``fold_protocol=dict(type='RandomSubjectKFold', num_folds=10,
    num_subjects=60, seed=0)`` (:data:`BOSPHORUS_FOLD_PROTOCOL`).

    Args:
        data_root (str): dataset root (holding ``bs000/`` ...).
        depth_root (str, optional): folder of depth PNGs fitted from the
            scans; adds ``depth_path``. Needed for modality ``'depth'``.
        require_all_expressions (bool): keep only subjects with a scan of
            each of the six emotions (the paper's candidates); the dropped
            subjects are logged. Defaults to False.
        subjects (Sequence[str], optional): keep only these subjects.
        modalities (Sequence[str]): checked at start-up. Defaults to
            ``('rgb',)``.
        auto_generate (dict, optional): render a SynthFace ``bosphorus``
            layout into ``data_root`` first if it is absent.
        **kwargs: see :class:`BaseFERDataset`.
    """

    DOMAIN = 'bosphorus'
    LAYOUT = 'bosphorus'

    def __init__(self,
                 data_root: str,
                 depth_root: Optional[str] = None,
                 require_all_expressions: bool = False,
                 subjects: Optional[Sequence[str]] = None,
                 modalities: Sequence[str] = ('rgb', ),
                 auto_generate: Optional[dict] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        needs_depth_root(type(self).__name__, modalities, depth_root,
                         'bosphorus')
        self.depth_root = depth_root
        self.require_all_expressions = require_all_expressions
        self.ignored: Dict[str, int] = {}
        self._prepare_data(data_root, '', auto_generate)
        meta = dict(classes=dataset_classes('bosphorus'))
        meta.update(metainfo or {})
        super().__init__(data_root=data_root, subjects=subjects,
                         modalities=modalities, metainfo=meta, **kwargs)

    def _parse(self, path: str) -> Optional[dict]:
        """Fields of one ``.bnt`` name; None for an ignored code."""
        name = type(self).__name__
        m = SCAN_RE.fullmatch(osp.basename(path))
        if m is None:
            raise ValueError(
                f'{name}: {path} does not follow the Bosphorus pattern '
                'bs<NNN>_<CODE>_<k>.bnt (e.g. bs000_E_ANGER_0.bnt); rename '
                'or remove it.')
        f = m.groupdict()
        if f['subject'] != osp.basename(osp.dirname(path)):
            raise ValueError(f'{name}: {path} belongs to subject '
                             f'{f["subject"]} but lies in another subject\'s '
                             'folder; move it to its subject folder.')
        if f['code'].startswith('E_'):
            if f['code'] not in BOSPHORUS_EMOTION_CODES:
                raise ValueError(
                    f'{name}: {path} has the unknown emotion code '
                    f'{f["code"]!r}; Bosphorus emotion codes are '
                    f'{list(BOSPHORUS_EMOTION_CODES)}.')
            return f
        prefix = f['code'].split('_')[0]
        key = prefix if prefix in BOSPHORUS_OTHER_PREFIXES else 'other'
        self.ignored[key] = self.ignored.get(key, 0) + 1
        return None

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        root = self.data_root
        folders = subject_dirs(root, SUBJECT_RE, name, 'bs000, bs001, ...',
                                'Bosphorus')
        keep = None if self.subjects is None else set(self.subjects)
        label = {c: i for i, c in enumerate(BOSPHORUS_EMOTION_CODES)}
        need_image = {'rgb', 'gray'} & set(self.modalities)
        self.ignored = {}
        per_subject: Dict[str, List[dict]] = {}
        for subject in folders:
            if keep is not None and subject not in keep:
                continue
            folder = osp.join(root, subject)
            for fname in sorted(os.listdir(folder)):
                if not fname.endswith('.bnt'):
                    continue
                scan = osp.join(folder, fname)
                f = self._parse(scan)
                if f is None:
                    continue
                img = scan[:-4] + '.png'
                if need_image and self.check_files and not osp.isfile(img):
                    raise FileNotFoundError(
                        f'{name}: scan {scan} has no 2-D image {img}. '
                        'Re-extract the subject, or drop "rgb" from '
                        'modalities to use the scans only.')
                item = dict(img_path=img, scan_path=scan,
                            gt_label=label[f['code']], subject=subject,
                            code=f['code'], take=int(f['take']))
                if osp.isfile(scan[:-4] + '.lm3'):
                    item['landmark_path'] = scan[:-4] + '.lm3'
                if self.depth_root is not None:
                    item['depth_path'] = scan_depth_path(
                        self.depth_root, subject, scan, 'bosphorus', root,
                        name)
                per_subject.setdefault(subject, []).append(item)
        incomplete = sorted(
            s for s, items in per_subject.items()
            if len({d['code'] for d in items}) < len(label))
        if self.require_all_expressions:
            if keep is not None and incomplete:
                raise ValueError(
                    f'{name}: subjects {incomplete[:10]} are requested but '
                    'lack some of the six emotion scans '
                    '(require_all_expressions=True).')
            for s in incomplete:
                per_subject.pop(s)
        data_list = [d for s in sorted(per_subject) for d in per_subject[s]]
        print_log(
            f'{name} ({root}): {len(data_list)} emotion scans of '
            f'{len(per_subject)} subjects; ignored '
            f'{sum(self.ignored.values())} scans of other codes {self.ignored}'
            + (f'; dropped {len(incomplete)} subjects without all six '
               f'emotions {incomplete[:10]}'
               if self.require_all_expressions and incomplete else ''),
            logger='current', level=logging.INFO)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Paths are absolute already."""
        return dict(raw_data_info)
