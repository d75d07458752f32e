"""BU-3DFE: 3-D facial expression scans of 100 subjects (CM-CNN Sec. IV-A).

Yin et al., "A 3D Facial Expression Database For Facial Behavior
Research", FG 2006. 100 subjects (56 female F0001-F0056, 44 male
M0001-M0044), each showing neutral and six basic expressions at four
intensity levels (25 textured scans). Used by CM-CNN (Ni et al., "Facial
Expression Recognition Through Cross-Modality Attention Fusion") with
60 subjects x 6 expressions = 360 samples per protocol and ten-fold
cross-validation.
"""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from mmfer.registry import DATASETS
from mmfer.structures.expressions import canonical_expression
from .base_fer_dataset import BaseFERDataset

#: The six expression codes of the file names, in label order
#: (``DATASET_CLASSES['bu3dfe']``: anger, disgust, fear, happiness,
#: sadness, surprise).
BU3DFE_EXPRESSION_CODES: Tuple[str, ...] = ('AN', 'DI', 'FE', 'HA', 'SA',
                                            'SU')
#: The neutral scan's code (``NE00``; label ``neutral`` with
#: ``include_neutral=True``, appended after the six).
BU3DFE_NEUTRAL_CODE = 'NE'
#: Race codes of the file names: White, Black, East Asian, Middle-East
#: Asian, Indian, Hispanic Latino.
BU3DFE_RACES = ('WH', 'BL', 'AE', 'AM', 'IN', 'LA')
#: ``<ID>_<EXP><II><RACE>_F3D.wrl``, e.g. ``F0001_AN01WH_F3D.wrl``.
SCAN_RE = re.compile(r'(?P<subject>[FM]\d{4})_(?P<code>[A-Z]{2})'
                     r'(?P<level>\d{2})(?P<race>[A-Z]{2})_F3D\.wrl')
SUBJECT_RE = re.compile(r'[FM]\d{4}')

#: mmfer's fixed 60-subject list (no published list was found): the first
#: 34 female and the first 26 male ids, keeping BU-3DFE's 56 / 44 sex ratio
#: (60 x 0.56 = 33.6 -> 34 female).
BU3DFE_FIXED_SUBJECTS: Tuple[str, ...] = tuple(
    [f'F{i:04d}' for i in range(1, 35)] + [f'M{i:04d}' for i in range(1, 27)])

#: Evaluation protocols: the intensities and the subject list (None: every
#: subject; the fold protocol draws them).
BU3DFE_PROTOCOLS: Dict[str, dict] = {
    # CM-CNN Sec. IV-A: 60 subjects x 6 expressions x one level = 360; the
    # paper's Fig. 9 says P1 has the stronger intensity.
    'cmcnn-p1': dict(intensities=(4, ), subjects=BU3DFE_FIXED_SUBJECTS),
    'cmcnn-p2': dict(intensities=(3, ), subjects=BU3DFE_FIXED_SUBJECTS),
    # 3-D FER literature (Gong et al. 2009; Berretti et al. 2011): levels 3
    # and 4 (720 samples); P1 a fixed 60-subject list, P2 60 subjects drawn
    # anew each round by the fold protocol.
    'literature-p1': dict(intensities=(3, 4),
                          subjects=BU3DFE_FIXED_SUBJECTS),
    'literature-p2': dict(intensities=(3, 4), subjects=None),
}
#: The ``fold_protocol`` a config declares for each protocol (ten folds of
#: 54 / 6 subjects; the literature repeats rounds and averages them, its
#: round count is unconfirmed: 10 here).
BU3DFE_FOLD_PROTOCOLS: Dict[str, dict] = {
    'cmcnn-p1': dict(type='RandomSubjectKFold', num_folds=10, seed=0),
    'cmcnn-p2': dict(type='RandomSubjectKFold', num_folds=10, seed=0),
    'literature-p1': dict(type='RandomSubjectKFold', num_folds=10, seed=0,
                          rounds=10),
    'literature-p2': dict(type='RandomSubjectKFold', num_folds=10, seed=0,
                          num_subjects=60, rounds=10),
}
#: Command that writes the depth PNGs ``depth_root`` points at.
DEPTH_TOOL = 'tools/dataset_converters/scans_to_depth.py'


def bu3dfe_protocol(name: str) -> dict:
    """Intensities and subjects of a named protocol.

    Args:
        name (str): a key of :data:`BU3DFE_PROTOCOLS`.

    Returns:
        dict: ``intensities`` (tuple[int]) and ``subjects`` (tuple[str] or
        None), plus ``fold_protocol`` (the config's ``fold_protocol``).

    Example:
        >>> p = bu3dfe_protocol('literature-p1')
        >>> p['intensities'], len(p['subjects']), p['subjects'][33:35]
        ((3, 4), 60, ('F0034', 'M0001'))
    """
    if name not in BU3DFE_PROTOCOLS:
        raise ValueError(f'unknown BU-3DFE protocol {name!r}; valid: '
                         f'{sorted(BU3DFE_PROTOCOLS)} or None.')
    return dict(**BU3DFE_PROTOCOLS[name],
                fold_protocol=dict(BU3DFE_FOLD_PROTOCOLS[name]))


def scan_depth_path(depth_root: str, subject: str, scan_path: str,
                    dataset: str, data_root: str, name: str) -> str:
    """The depth PNG of a scan, written by the scan-to-depth converter.

    ``depth_root/<subject>/<scan file stem>_depth.png``; a missing file is
    an error naming it and the command that writes it.

    Args:
        depth_root (str): the converter's output folder.
        subject (str): the scan's subject (its folder).
        scan_path (str): the scan file.
        dataset (str): ``'bu3dfe'`` or ``'bosphorus'`` (the tool's
            ``--dataset``).
        data_root (str): the dataset root (for the command).
        name (str): class name (for the message).

    Returns:
        str: the depth PNG's path.
    """
    stem = osp.splitext(osp.basename(scan_path))[0]
    path = osp.join(depth_root, subject, f'{stem}_depth.png')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{name}: depth image {path} (of scan {scan_path}) not found. '
            f'Write the depth images with: python {DEPTH_TOOL} --dataset '
            f'{dataset} {data_root} {depth_root}, or drop depth_root and '
            "load depth from the scan itself (LoadScanDepth).")
    return path


def subject_dirs(root: str, pattern: 're.Pattern', name: str,
                 examples: str, dataset: str) -> List[str]:
    """The sorted subject folders of a scan database root (names matching
    ``pattern``), or an error naming the root and the fix."""
    dirs = sorted(d for d in os.listdir(root)
                  if pattern.fullmatch(d) and osp.isdir(osp.join(root, d)))
    if not dirs:
        raise FileNotFoundError(
            f'{name}: no subject folder ({examples}) under {root}. Point '
            f'data_root at the extracted {dataset} root.')
    return dirs


def needs_depth_root(name: str, modalities: Sequence[str],
                     depth_root: Optional[str], dataset: str) -> None:
    """Error when the ``'depth'`` modality is requested without
    ``depth_root`` (scan datasets have no depth images of their own)."""
    if 'depth' in modalities and depth_root is None:
        raise ValueError(
            f'{name}: modality "depth" needs depth_root, the folder of '
            f'depth images fitted from the scans (python {DEPTH_TOOL} '
            f'--dataset {dataset} DATA_ROOT DEPTH_ROOT), or use '
            "LoadScanDepth(scan_key='scan_path') in the pipeline instead.")


@DATASETS.register_module()
class BU3DFEDataset(BaseFERDataset):
    """BU-3DFE scans with their texture images (and fitted depth images).

    Reads the layout as distributed (``../shared/DATASETS.md``)::

        data_root/
          F0001/F0001_AN01WH_F3D.wrl    VRML mesh <ID>_<EXP><II><RACE>_F3D
          F0001/F0001_AN01WH_F2D.bmp    its texture (the 2-D image)
          F0001/F0001_NE00WH_F3D.wrl    neutral
          (F3D.bnd, RAW.wrl: not read)
        depth_root/                     optional, written by
          F0001/F0001_AN01WH_F3D_depth.png  tools/dataset_converters/
                                            scans_to_depth.py

    Each ``_F3D.wrl`` of a kept expression / intensity / subject is one
    sample with ``img_path`` (the ``_F2D.bmp``), ``scan_path`` (the
    ``.wrl``), ``depth_path`` (only with ``depth_root``), ``gt_label``,
    ``subject``, ``intensity`` (1-4, 0 for NE00), ``race`` (code),
    ``expression`` (canonical name) and ``domain`` (``'bu3dfe'``).

    Protocols (``protocol=``; see :data:`BU3DFE_PROTOCOLS` and
    ``docs/datasets/3d_datasets.md``):

    - ``'cmcnn-p1'`` / ``'cmcnn-p2'``: CM-CNN Sec. IV-A, "60 subjects ...
      six basic facial expressions of the two highest intensity levels
      (Protocol I and Protocol II)", 60 x 6 = 360 samples each: one level
      per protocol, P1 = level 4 (Fig. 9: P1 has the stronger intensity),
      P2 = level 3.
    - ``'literature-p1'``: levels 3 and 4 of a fixed 60-subject list (720
      samples); ``'literature-p2'``: levels 3 and 4 of every subject, the
      fold protocol drawing 60 anew each round
      (``fold_protocol=dict(type='RandomSubjectKFold', num_folds=10,
      num_subjects=60, rounds=10, seed=0)``).
    - The fixed 60 subjects are mmfer's choice (no published list was
      found): F0001-F0034 and M0001-M0026, the sex ratio of BU-3DFE
      (:data:`BU3DFE_FIXED_SUBJECTS`).

    All use ten-fold subject-exclusive cross-validation
    (:data:`BU3DFE_FOLD_PROTOCOLS` gives each one's ``fold_protocol``).

    Args:
        data_root (str): dataset root (holding ``F0001/`` ...).
        intensities (Sequence[int], optional): levels to keep (1-4).
            Defaults to None: the protocol's, else ``(4,)``.
        expressions (Sequence[str]): expression codes to keep, in label
            order. Defaults to :data:`BU3DFE_EXPRESSION_CODES`.
        include_neutral (bool): also keep the ``NE00`` scans, labelled
            ``'neutral'`` (the last class). Defaults to False.
        protocol (str, optional): ``'cmcnn-p1'``, ``'cmcnn-p2'``,
            ``'literature-p1'``, ``'literature-p2'`` or None (no
            restriction). Sets ``intensities`` and the subject list.
        depth_root (str, optional): folder of depth PNGs fitted from the
            scans; adds ``depth_path``. Needed for modality ``'depth'``.
        subjects (Sequence[str], optional): keep only these subjects (a
            fold's); with a protocol they must be among its subjects.
        modalities (Sequence[str]): checked at start-up. Defaults to
            ``('rgb',)``.
        auto_generate (dict, optional): render a SynthFace ``bu3dfe``
            layout into ``data_root`` first if it is absent (keyword
            arguments of ``generate_layout('bu3dfe', ...)``, e.g.
            ``dict(subjects=10, intensities=[3, 4], size=128)``).
        **kwargs: see :class:`BaseFERDataset` (``pipeline``,
            ``label_space``, ``check_files``, ...).
    """

    DOMAIN = 'bu3dfe'
    LAYOUT = 'bu3dfe'

    def __init__(self,
                 data_root: str,
                 intensities: Optional[Sequence[int]] = None,
                 expressions: Sequence[str] = BU3DFE_EXPRESSION_CODES,
                 include_neutral: bool = False,
                 protocol: Optional[str] = None,
                 depth_root: Optional[str] = None,
                 subjects: Optional[Sequence[str]] = None,
                 modalities: Sequence[str] = ('rgb', ),
                 auto_generate: Optional[dict] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        name = type(self).__name__
        expressions = tuple(str(e).upper() for e in expressions)
        bad = [e for e in expressions if e not in BU3DFE_EXPRESSION_CODES]
        if bad or not expressions or len(set(expressions)) != len(
                expressions):
            raise ValueError(f'{name}: expressions must be distinct codes '
                             f'among {BU3DFE_EXPRESSION_CODES}, got '
                             f'{list(expressions)}.')
        proto = None if protocol is None else bu3dfe_protocol(protocol)
        if proto is not None:
            if intensities is not None and tuple(intensities) != tuple(
                    proto['intensities']):
                raise ValueError(
                    f'{name}: protocol={protocol!r} uses intensities '
                    f'{proto["intensities"]}, but intensities='
                    f'{tuple(intensities)} was passed; drop one of them.')
            intensities = proto['intensities']
        intensities = (4, ) if intensities is None else tuple(
            int(i) for i in intensities)
        if not intensities or any(i not in (1, 2, 3, 4)
                                  for i in intensities):
            raise ValueError(f'{name}: intensities must be levels among '
                             f'1-4, got {list(intensities)}.')
        if proto is not None and proto['subjects'] is not None:
            allowed = proto['subjects']
            if subjects is not None:
                outside = [s for s in subjects if s not in allowed]
                if outside:
                    raise ValueError(
                        f'{name}: subjects {outside[:10]} are not among '
                        f'the 60 subjects of protocol={protocol!r} '
                        '(BU3DFE_FIXED_SUBJECTS).')
            else:
                subjects = list(allowed)
        needs_depth_root(name, modalities, depth_root, 'bu3dfe')
        self.protocol = protocol
        self.intensities = intensities
        self.expressions = expressions
        self.include_neutral = include_neutral
        self.depth_root = depth_root
        classes = tuple(canonical_expression(e) for e in expressions)
        if include_neutral:
            classes += ('neutral', )
        self._prepare_data(data_root, '', auto_generate)
        meta = dict(classes=classes)
        meta.update(metainfo or {})
        super().__init__(data_root=data_root, subjects=subjects,
                         modalities=modalities, metainfo=meta, **kwargs)

    def _scan_files(self, subject_dir: str) -> List[Tuple[str, dict]]:
        """``(file name, fields)`` of every ``_F3D.wrl`` of one subject;
        a malformed name or an unknown code is an error naming it."""
        name = type(self).__name__
        subject = osp.basename(subject_dir)
        out = []
        for fname in sorted(os.listdir(subject_dir)):
            if not fname.endswith('_F3D.wrl'):
                continue
            m = SCAN_RE.fullmatch(fname)
            if m is None:
                raise ValueError(
                    f'{name}: {osp.join(subject_dir, fname)} does not follow '
                    'the BU-3DFE pattern <ID>_<EXP><II><RACE>_F3D.wrl (e.g. '
                    'F0001_AN01WH_F3D.wrl); rename or remove it.')
            fields = m.groupdict()
            if fields['subject'] != subject:
                raise ValueError(
                    f'{name}: {osp.join(subject_dir, fname)} belongs to '
                    f'subject {fields["subject"]} but lies in the folder of '
                    f'{subject}; move it to its subject folder.')
            codes = BU3DFE_EXPRESSION_CODES + (BU3DFE_NEUTRAL_CODE, )
            if fields['code'] not in codes:
                raise ValueError(
                    f'{name}: {osp.join(subject_dir, fname)} has the unknown '
                    f'expression code {fields["code"]!r}; BU-3DFE codes are '
                    f'{list(codes)}.')
            out.append((fname, fields))
        return out

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        root = self.data_root
        folders = subject_dirs(root, SUBJECT_RE, name, 'F0001, M0001, ...',
                                'BU-3DFE')
        keep = None if self.subjects is None else set(self.subjects)
        label = {c: i for i, c in enumerate(self.expressions)}
        if self.include_neutral:
            label[BU3DFE_NEUTRAL_CODE] = len(self.expressions)
        need_image = {'rgb', 'gray'} & set(self.modalities)
        data_list = []
        for subject in folders:
            if keep is not None and subject not in keep:
                continue
            folder = osp.join(root, subject)
            for fname, f in self._scan_files(folder):
                level = int(f['level'])
                if f['code'] not in label or (
                        f['code'] != BU3DFE_NEUTRAL_CODE
                        and level not in self.intensities):
                    continue
                scan = osp.join(folder, fname)
                img = scan[:-len('_F3D.wrl')] + '_F2D.bmp'
                if need_image and self.check_files and not osp.isfile(img):
                    raise FileNotFoundError(
                        f'{name}: scan {scan} has no texture image {img}. '
                        'Re-extract the subject, or drop "rgb" from '
                        'modalities to use the meshes only.')
                item = dict(img_path=img, scan_path=scan,
                            gt_label=label[f['code']], subject=subject,
                            intensity=level, race=f['race'],
                            expression=canonical_expression(
                                'neutral' if f['code'] == BU3DFE_NEUTRAL_CODE
                                else f['code']))
                if self.depth_root is not None:
                    item['depth_path'] = scan_depth_path(
                        self.depth_root, subject, scan, 'bu3dfe', root,
                        name)
                data_list.append(item)
        print_log(
            f'{name} ({root}): {len(data_list)} scans of '
            f'{len({d["subject"] for d in data_list})} subjects '
            f'(protocol={self.protocol}, intensities={self.intensities}, '
            f'neutral={self.include_neutral})', logger='current',
            level=logging.INFO)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Paths are absolute already."""
        return dict(raw_data_info)
