"""Kinect RGB + aligned depth image folders (VT-KFER, CCZU-FER).

CM-CNN (Ni et al., "Facial Expression Recognition Through Cross-Modality
Attention Fusion", Sec. IV-A) evaluates on two Kinect RGB-D databases
without a public file layout: VT-KFER (Aly et al., ICB 2015; Kinect v1,
32 subjects, 7 expressions) and CCZU-FER (the paper's own;
Kinect v2, 28 subjects, six basic expressions + neutral, RGB aligned to
depth with the SDK's ``MapDepthToColorImagePoint``). One generic reader
covers both: RGB and depth files are paired by name through two path
patterns.
"""
import logging
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

from mmengine.logging import print_log

from mmfer.registry import DATASETS
from mmfer.structures.expressions import (canonical_classes,
                                          canonical_expression)
from .base_fer_dataset import BaseFERDataset

#: Fields a path pattern may use.
PATTERN_FIELDS = ('subject', 'expression', 'name')
#: Depth encodings of the depth files (``LoadFaceModalities``'s
#: ``depth_codec``): ``'uint16_mm'`` raw Kinect millimetres (0 = no
#: reading), ``'mmfer'`` mmfer's 0.1 mm PNG (65535 = background).
DEPTH_CODECS = ('uint16_mm', 'mmfer')
#: Six basic expressions + neutral in SynthFace / FER2013 order: the
#: documented default class order of VT-KFER and CCZU-FER (neither
#: publishes label indices).
RGBD_FER_CLASSES = ('anger', 'disgust', 'fear', 'happiness', 'sadness',
                    'surprise', 'neutral')


def pattern_to_regex(pattern: str, what: str = 'pattern') -> 're.Pattern':
    """Compile a path pattern, e.g. ``'{subject}/{expression}/{name}.png'``.

    Each field matches one or more characters other than ``/``; every
    other character matches itself. A field may appear only once.

    Args:
        pattern (str): relative path with ``{subject}``, ``{expression}``
            and ``{name}`` fields (``{subject}`` and ``{name}`` required).
        what (str): argument name for error messages.

    Returns:
        re.Pattern: matching a whole relative path (``/`` separators).

    Example:
        >>> rx = pattern_to_regex('{subject}/{expression}/{name}_rgb.png')
        >>> rx.fullmatch('S01/happy/0003_rgb.png').groupdict()
        {'subject': 'S01', 'expression': 'happy', 'name': '0003'}
    """
    fields = re.findall(r'{(\w*)}', pattern)
    bad = [f for f in fields if f not in PATTERN_FIELDS]
    if bad:
        raise ValueError(f'{what} {pattern!r} uses unknown fields {bad}; '
                         f'valid fields: {list(PATTERN_FIELDS)}.')
    twice = sorted({f for f in fields if fields.count(f) > 1})
    if twice:
        raise ValueError(f'{what} {pattern!r} uses {twice} more than once.')
    missing = [f for f in ('subject', 'name') if f not in fields]
    if missing:
        raise ValueError(f'{what} {pattern!r} must contain '
                         f'{["{" + m + "}" for m in missing]} (the subject '
                         'and the file name pair RGB with depth).')
    out, pos = '', 0
    for m in re.finditer(r'{(\w+)}', pattern):
        out += re.escape(pattern[pos:m.start()])
        out += f'(?P<{m.group(1)}>[^/]+?)'
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]))


@DATASETS.register_module()
class RGBDFolderDataset(BaseFERDataset):
    """RGB images with pixel-aligned Kinect depth images, paired by name.

    Every file under ``data_root`` whose relative path matches
    ``rgb_pattern`` is one sample; its depth file is ``depth_pattern``
    filled with the same fields. With the default patterns::

        data_root/
          <subject>/<expression>/<name>_rgb.png
          <subject>/<expression>/<name>_depth.png   uint16, see depth_codec

    Samples carry ``img_path``, ``depth_path`` (absolute), ``gt_label``
    (index into ``classes``; the ``{expression}`` field is read as an
    expression name, e.g. ``happy``, ``Happiness`` or ``HA``), ``subject``,
    ``expression`` (canonical name), ``name`` and ``depth_codec`` (read by
    :class:`~mmfer.datasets.transforms.LoadFaceModalities` when its own
    ``depth_codec`` is None). Without an ``{expression}`` field the samples
    are unlabelled.

    Args:
        data_root (str): dataset root.
        rgb_pattern (str): relative path of an RGB image. Defaults to
            ``'{subject}/{expression}/{name}_rgb.png'``.
        depth_pattern (str): relative path of its depth image. Defaults to
            ``'{subject}/{expression}/{name}_depth.png'``.
        classes (Sequence[str], optional): class names in label order.
            Defaults to the class's ``CLASSES`` (for this generic class:
            :data:`RGBD_FER_CLASSES`).
        depth_codec (str): ``'uint16_mm'`` (default; raw Kinect depth in
            millimetres, 0 = no reading) or ``'mmfer'`` (0.1 mm, 65535 =
            background).
        unpaired (str): an RGB image without its depth file is an
            ``'error'`` naming both (default), or with ``'skip'`` dropped
            (the count is logged).
        subjects (Sequence[str], optional): keep only these subjects.
        domain (str, optional): the dataset name on every sample; needed
            for this generic class (the aliases set theirs).
        auto_generate (dict, optional): render the class's SynthFace
            ``LAYOUT`` into ``data_root`` first if it is absent (only the
            aliases have one).
        **kwargs: see :class:`BaseFERDataset` (``modalities``, ``pipeline``,
            ``label_space``, ...).
    """

    CLASSES = RGBD_FER_CLASSES
    UNPAIRED = ('error', 'skip')

    def __init__(self,
                 data_root: str,
                 rgb_pattern: str = '{subject}/{expression}/{name}_rgb.png',
                 depth_pattern: str = (
                     '{subject}/{expression}/{name}_depth.png'),
                 classes: Optional[Sequence[str]] = None,
                 depth_codec: str = 'uint16_mm',
                 unpaired: str = 'error',
                 modalities: Sequence[str] = ('rgb', 'depth'),
                 auto_generate: Optional[dict] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        name = type(self).__name__
        if depth_codec not in DEPTH_CODECS:
            raise ValueError(f'{name}: depth_codec must be one of '
                             f'{DEPTH_CODECS}, got {depth_codec!r}.')
        if unpaired not in self.UNPAIRED:
            raise ValueError(f'{name}: unpaired must be one of '
                             f'{self.UNPAIRED}, got {unpaired!r}.')
        self.rgb_regex = pattern_to_regex(rgb_pattern, 'rgb_pattern')
        pattern_to_regex(depth_pattern, 'depth_pattern')
        extra = set(re.findall(r'{(\w+)}', depth_pattern)) - set(
            self.rgb_regex.groupindex)
        if extra:
            raise ValueError(f'{name}: depth_pattern {depth_pattern!r} uses '
                             f'{sorted(extra)}, which rgb_pattern '
                             f'{rgb_pattern!r} does not define.')
        self.rgb_pattern = rgb_pattern
        self.depth_pattern = depth_pattern
        self.depth_codec = depth_codec
        self.unpaired = unpaired
        self.num_unpaired = 0
        classes = canonical_classes(self.CLASSES if classes is None
                                    else classes)
        self._prepare_data(data_root, '', auto_generate)
        meta = dict(classes=classes)
        meta.update(metainfo or {})
        super().__init__(data_root=data_root, modalities=modalities,
                         metainfo=meta, **kwargs)

    def _rgb_files(self) -> List[str]:
        """Relative paths (``/`` separators) matching ``rgb_pattern``."""
        found = []
        for dirpath, dirnames, filenames in os.walk(self.data_root):
            dirnames.sort()
            rel_dir = osp.relpath(dirpath, self.data_root)
            rel_dir = '' if rel_dir == '.' else rel_dir.replace(os.sep, '/')
            for f in sorted(filenames):
                rel = f'{rel_dir}/{f}' if rel_dir else f
                if self.rgb_regex.fullmatch(rel):
                    found.append(rel)
        return found

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        if not osp.isdir(self.data_root):
            raise FileNotFoundError(f'{name}: data_root {self.data_root} is '
                                    'not a folder.')
        classes = self._metainfo['classes']
        index = {c: i for i, c in enumerate(classes)}
        rgb_files = self._rgb_files()
        if not rgb_files:
            raise FileNotFoundError(
                f'{name}: no file under {self.data_root} matches rgb_pattern '
                f'{self.rgb_pattern!r}. Check data_root and the pattern '
                '(fields {subject}, {expression}, {name}).')
        data_list, unpaired = [], []
        for rel in rgb_files:
            fields: Dict[str, str] = self.rgb_regex.fullmatch(rel).groupdict()
            rgb = osp.join(self.data_root, rel)
            depth = osp.join(self.data_root,
                             self.depth_pattern.format(**fields))
            if not osp.isfile(depth):
                unpaired.append((rgb, depth))
                continue
            item = dict(img_path=rgb, depth_path=depth,
                        subject=fields['subject'], name=fields['name'],
                        depth_codec=self.depth_codec)
            if 'expression' in fields:
                try:
                    expr = canonical_expression(fields['expression'])
                except ValueError:
                    expr = None
                if expr not in index:
                    raise ValueError(
                        f'{name}: {rgb} has the expression folder '
                        f'{fields["expression"]!r}, which is not one of the '
                        f'classes {list(classes)}. Pass classes=[...] '
                        '(expression names) that include it.')
                item.update(gt_label=index[expr], expression=expr)
            data_list.append(item)
        if unpaired and self.unpaired == 'error':
            raise FileNotFoundError(
                f'{name}: {len(unpaired)} RGB image(s) have no depth image, '
                f'e.g. {unpaired[0][0]} -> {unpaired[0][1]} (missing). Check '
                f'depth_pattern {self.depth_pattern!r}, or pass '
                "unpaired='skip' to drop them.")
        self.num_unpaired = len(unpaired)
        if unpaired:
            print_log(
                f'{name} ({self.data_root}): skipped {len(unpaired)} RGB '
                f'image(s) without a depth image (unpaired=\'skip\'), e.g. '
                f'{unpaired[0][0]}', logger='current', level=logging.WARNING)
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Paths are absolute already."""
        return dict(raw_data_info)


@DATASETS.register_module()
class VTKFERDataset(RGBDFolderDataset):
    """VT-KFER (Aly et al., "VT-KFER: A Kinect-based RGBD+Time Dataset for
    Spontaneous and Non-Spontaneous Facial Expression Recognition", Proc.
    Int. Conf. Biometrics 2015) as an RGB-D folder: Kinect v1, 32
    subjects, seven expressions.

    No public file layout was found (``../shared/DATASETS.md``): arrange
    the frames as ``<subject>/<expression>/<name>_{rgb,depth}.png`` (or
    pass the patterns). CM-CNN uses 4221 frontal frames (verbal + image
    demonstrations) and ten-fold cross-validation. Classes
    (:data:`RGBD_FER_CLASSES`, mmfer's order: VT-KFER publishes no label
    indices): anger, disgust, fear, happiness, sadness, surprise, neutral.
    SynthFace layout: ``vtkfer``. See :class:`RGBDFolderDataset`.
    """

    DOMAIN = 'vtkfer'
    LAYOUT = 'vtkfer'


@DATASETS.register_module()
class CCZUFERDataset(RGBDFolderDataset):
    """CCZU-FER (CM-CNN Sec. IV-A): Kinect v2 RGB-D, 15 male and 13 female
    subjects, ten samples of each of six basic expressions and neutral
    (1960 samples), RGB aligned to depth.

    Not released when the paper appeared; the folder layout
    ``<subject>/<expression>/<name>_{rgb,depth}.png`` is mmfer's. Classes:
    :data:`RGBD_FER_CLASSES` (mmfer's order). CM-CNN trains on the three
    benchmark databases and tests on CCZU-FER. SynthFace layout:
    ``cczufer``. See :class:`RGBDFolderDataset`.
    """

    DOMAIN = 'cczufer'
    LAYOUT = 'cczufer'
