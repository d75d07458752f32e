"""JAFFE: the Japanese Female Facial Expression database (posed, lab)."""
import os
import os.path as osp
import re
from typing import List

from mmfer.registry import DATASETS
from mmfer.structures.expressions import canonical_expression, dataset_classes
from .image_fer_dataset import ImageFERDataset

JAFFE_DIR = 'jaffedbase'
JAFFE_SUBJECTS = ('KA', 'KL', 'KM', 'KR', 'MK', 'NA', 'NM', 'TM', 'UY', 'YM')
JAFFE_CODES = ('AN', 'DI', 'FE', 'HA', 'NE', 'SA', 'SU')
#: ``KA.AN1.39.tiff`` = subject . expression code + repeat . serial
JAFFE_NAME = re.compile(r'^([A-Z]{2})\.([A-Z]{2})(\d+)\.(\d+)\.tiff?$',
                        re.IGNORECASE)


@DATASETS.register_module()
class JAFFEDataset(ImageFERDataset):
    """JAFFE (Lyons et al., FG 1998): 213 grey 256 x 256 posed images.

    Layout: ``data_root/jaffedbase/*.tiff``; a name ``KA.AN1.39.tiff`` is
    subject ``KA``, code ``AN`` repeat 1, serial 39. 10 subjects KA KL KM
    KR MK NA NM TM UY YM; codes AN DI FE HA NE SA SU, in this (code) order
    the classes ``dataset_classes('jaffe')``: anger, disgust, fear,
    happiness, neutral, sadness, surprise. Each sample has ``subject`` (so
    ``subjects=`` and subject-exclusive folds work), ``repeat`` and
    ``serial``. A ``.tiff`` whose name does not parse, or with another
    code, is an error naming it. ``domain`` is ``'jaffe'``. JAFFE has no
    split (EMPD uses it as a target database; use subject folds to train).

    Args:
        data_root (str): the folder holding ``jaffedbase/``.
        **kwargs: see :class:`ImageFERDataset` (``subjects``, ...).
    """

    METAINFO = dict(classes=dataset_classes('jaffe'))
    DOMAIN = 'jaffe'
    LAYOUT = 'jaffe'

    def __init__(self, data_root: str, **kwargs):
        super().__init__(data_root, split=None, **kwargs)

    def _data_marker(self) -> str:
        return JAFFE_DIR

    def load_data_list(self) -> List[dict]:
        folder = self._path(JAFFE_DIR)
        classes = dataset_classes('jaffe')
        out = []
        for name in sorted(os.listdir(folder)):
            if not name.lower().endswith(('.tiff', '.tif')):
                continue
            m = JAFFE_NAME.match(name)
            code = m.group(2).upper() if m else None
            if code not in JAFFE_CODES:
                raise ValueError(
                    f'JAFFEDataset: {osp.join(folder, name)} is not a JAFFE '
                    'image name <subject>.<code><repeat>.<serial>.tiff with '
                    f'a code of {list(JAFFE_CODES)} (e.g. KA.AN1.39.tiff). '
                    'Rename or remove the file.')
            out.append(dict(
                img_path=osp.join(folder, name),
                gt_label=classes.index(canonical_expression(code)),
                subject=m.group(1).upper(), repeat=int(m.group(3)),
                serial=int(m.group(4))))
        return out
