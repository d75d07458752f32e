"""AffectNet (manually annotated part): 7 or 8 expression classes."""
import csv
import os.path as osp
from typing import List

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .image_fer_dataset import ImageFERDataset

AFFECTNET_HEADER = ('subDirectory_filePath', 'face_x', 'face_y',
                    'face_width', 'face_height', 'facial_landmarks',
                    'expression', 'valence', 'arousal')
#: The expression codes that are not expressions (always dropped).
AFFECTNET_NON_EXPRESSIONS = {8: 'None', 9: 'Uncertain', 10: 'Non-Face'}
AFFECTNET_LISTS = 'Manually_Annotated_file_lists'
AFFECTNET_IMAGES = 'Manually_Annotated/Manually_Annotated_Images'


@DATASETS.register_module()
class AffectNetDataset(ImageFERDataset):
    """AffectNet (Mollahosseini et al., IEEE TAC 2017), manually annotated.

    Layout::

        data_root/Manually_Annotated_file_lists/{training,validation}.csv
            header subDirectory_filePath,face_x,face_y,face_width,
                   face_height,facial_landmarks,expression,valence,arousal
            (facial_landmarks: one ';'-separated field x1;y1;x2;y2;...)
        data_root/Manually_Annotated/Manually_Annotated_Images/
            <subDirectory_filePath>          whole images

    ``expression``: 0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear,
    5 Disgust, 6 Anger, 7 Contempt, 8 None, 9 Uncertain, 10 Non-Face.
    Classes keep these indices (``dataset_classes('affectnet')``, or
    ``'affectnet7'`` with ``num_classes=7``). Codes 8-10 are always
    dropped, contempt too with ``num_classes=7``; the counts are logged and
    kept in :attr:`num_dropped`. ``domain`` is ``'affectnet'``.

    The images are **whole images**: each sample carries ``face_box``
    ``[x0, y0, x1, y1] = [face_x, face_y, face_x + face_width, face_y +
    face_height]`` (the slice ``img[y0:y1, x0:x1]``, as in
    ``mmfer.datasets.face.boxes``) for a pipeline transform that crops the
    face, plus ``landmarks`` ((N, 2) list of x, y; empty if the field is),
    ``valence`` and ``arousal`` (floats in [-1, 1], -2 = invalid). The
    header line is detected (a file without it is read from its first
    line).

    Args:
        data_root (str): the AffectNet folder.
        split (str): ``'train'`` (training.csv) or ``'val'``
            (validation.csv; AffectNet's test set is not public).
            Defaults to ``'train'``.
        num_classes (int): 8 (with contempt, default) or 7 (EMPD's six
            basic expressions + neutral).
        **kwargs: see :class:`ImageFERDataset`.
    """

    METAINFO = dict(classes=dataset_classes('affectnet'))
    SPLITS = ('train', 'val')
    DOMAIN = 'affectnet'
    LAYOUT = 'affectnet'
    FILES = {'train': 'training.csv', 'val': 'validation.csv'}

    def __init__(self, data_root: str, split: str = 'train',
                 num_classes: int = 8, **kwargs):
        if num_classes not in (7, 8):
            raise ValueError(f'AffectNetDataset: num_classes must be 7 or 8,'
                             f' got {num_classes!r}.')
        self.num_classes = num_classes
        metainfo = dict(classes=dataset_classes(
            'affectnet' if num_classes == 8 else 'affectnet7'))
        metainfo.update(kwargs.pop('metainfo', None) or {})
        super().__init__(
            data_root, split=split, metainfo=metainfo,
            ann_file=osp.join(AFFECTNET_LISTS,
                              self.FILES.get(split, 'training.csv')),
            **kwargs)

    def _data_marker(self) -> str:
        return AFFECTNET_LISTS

    def load_data_list(self) -> List[dict]:
        path = self.ann_file
        img_root = self._path(AFFECTNET_IMAGES)
        out = []
        with self._open(path, 'AffectNet list') as f:
            for lineno, row in enumerate(csv.reader(f), 1):
                if not row:
                    continue
                if lineno == 1 and row[0].strip() == AFFECTNET_HEADER[0]:
                    continue
                if len(row) != len(AFFECTNET_HEADER):
                    self.bad_line(path, lineno, ','.join(row),
                                  f'expected the {len(AFFECTNET_HEADER)} '
                                  f'columns {",".join(AFFECTNET_HEADER)}')
                item = self._parse_row(row, path, lineno, img_root)
                if item is not None:
                    out.append(item)
        self.log_dropped()
        return out

    def _parse_row(self, row, path, lineno, img_root):
        line = ','.join(row)
        code = self.parse_int(row[6], path, lineno, line, range(11),
                              'expression')
        if code in AFFECTNET_NON_EXPRESSIONS:
            self.drop(AFFECTNET_NON_EXPRESSIONS[code])
            return None
        if code >= self.num_classes:
            self.drop('Contempt (num_classes=7)')
            return None
        try:
            x, y, w, h = (int(float(v)) for v in row[1:5])
            values = [float(v) for v in row[5].split(';') if v.strip()]
            valence, arousal = float(row[7]), float(row[8])
        except ValueError:
            self.bad_line(path, lineno, line, 'face_x,y,width,height, the '
                          "';'-separated landmarks, valence and arousal "
                          'must be numbers')
        if len(values) % 2:
            self.bad_line(path, lineno, line, 'facial_landmarks must hold '
                          'an even number of values (x;y pairs)')
        return dict(
            img_path=osp.join(img_root, row[0]),
            gt_label=code,
            face_box=[x, y, x + w, y + h],
            landmarks=[values[i:i + 2] for i in range(0, len(values), 2)],
            valence=valence,
            arousal=arousal)
