"""ExpW: Expression in-the-Wild (whole web images with face boxes)."""
import math
import os.path as osp
from typing import List, Optional

import numpy as np

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .image_fer_dataset import ImageFERDataset

EXPW_LABEL_FILE = 'label/label.lst'


@DATASETS.register_module()
class ExpWDataset(ImageFERDataset):
    """ExpW (Zhang et al., IJCV 2018), one sample per labelled face.

    Layout::

        data_root/label/label.lst     one face a line: image_name
            face_id_in_image face_box_top face_box_left face_box_right
            face_box_bottom face_box_cofidence expression_label
        data_root/image/origin/<image_name>     whole images

    Classes: 0 angry 1 disgust 2 fear 3 happy 4 sad 5 surprise 6 neutral
    (``dataset_classes('expw')``). ``domain`` is ``'expw'``.

    The images are **whole images** with several faces: each sample
    carries ``face_box`` ``[x0, y0, x1, y1] = [left, top, right, bottom]``
    (the face is ``img[top:bottom, left:right]``, the box convention of
    ``mmfer.datasets.face.boxes``), ``face_id`` and ``face_confidence``; a
    pipeline crops the face with the box (see
    docs/datasets/image_fer_datasets.md).

    ExpW has no official split. ``split='all'`` (default) gives every face;
    ``'train'`` / ``'val'`` / ``'test'`` a deterministic split **by image**
    (all faces of an image fall in one part; ExpW has no subject ids, so a
    subject-free split is the best available): the sorted image names are
    permuted with ``seed`` and the first ``ceil(test_ratio * N)`` are test,
    the next ``ceil(val_ratio * N)`` val, the rest train. Or give
    ``split_file``: a text file (relative to data_root or absolute) listing
    the image names of the wanted part, one per line.

    Args:
        data_root (str): the ExpW folder.
        split (str): ``'all'``, ``'train'``, ``'val'`` or ``'test'``.
            Defaults to ``'all'``.
        val_ratio (float): fraction of images in val. Defaults to 0.1.
        test_ratio (float): fraction of images in test. Defaults to 0.1.
        seed (int): permutation seed of the split. Defaults to 0.
        split_file (str, optional): image names of the part to load
            (overrides ``split`` and the ratios). Defaults to None.
        **kwargs: see :class:`ImageFERDataset`.
    """

    METAINFO = dict(classes=dataset_classes('expw'))
    SPLITS = ('all', 'train', 'val', 'test')
    DOMAIN = 'expw'
    LAYOUT = 'expw'

    def __init__(self,
                 data_root: str,
                 split: str = 'all',
                 val_ratio: float = 0.1,
                 test_ratio: float = 0.1,
                 seed: int = 0,
                 split_file: Optional[str] = None,
                 **kwargs):
        if not (0 <= val_ratio and 0 <= test_ratio
                and val_ratio + test_ratio < 1):
            raise ValueError(
                'ExpWDataset: val_ratio and test_ratio must be >= 0 with a '
                f'sum < 1, got {val_ratio} and {test_ratio}.')
        self.val_ratio, self.test_ratio = val_ratio, test_ratio
        self.seed = seed
        self.split_file = split_file
        super().__init__(data_root, split=split, ann_file=EXPW_LABEL_FILE,
                         **kwargs)

    def _data_marker(self) -> str:
        return EXPW_LABEL_FILE

    def load_data_list(self) -> List[dict]:
        path = self.ann_file
        img_dir = self._path('image', 'origin')
        out = []
        fmt = ('"<image_name> <face_id> <top> <left> <right> <bottom> '
               '<confidence> <label 0-6>"')
        for lineno, f in self.read_fields(path, 8, fmt):
            line = ' '.join(f)
            try:
                face_id, top, left, right, bottom = (int(v) for v in f[1:6])
                conf = float(f[6])
            except ValueError:
                self.bad_line(path, lineno, line, 'face_id, the box and the '
                              'confidence must be numbers')
            label = self.parse_int(f[7], path, lineno, line, range(7),
                                   'expression_label')
            if right <= left or bottom <= top:
                self.bad_line(path, lineno, line, 'the face box is empty '
                              '(needs left < right and top < bottom)')
            out.append(dict(img_path=osp.join(img_dir, f[0]), gt_label=label,
                            image_name=f[0], face_id=face_id,
                            face_box=[left, top, right, bottom],
                            face_confidence=conf))
        keep = self._split_images(sorted({d['image_name'] for d in out}))
        if keep is not None:
            out = [d for d in out if d['image_name'] in keep]
        return out

    def _split_images(self, names: List[str]) -> Optional[set]:
        """Image names of the requested part (None: all)."""
        if self.split_file is not None:
            path = (self.split_file if osp.isabs(self.split_file) else
                    self._path(self.split_file))
            with self._open(path, 'split file') as f:
                wanted = {line.strip() for line in f if line.strip()}
            unknown = sorted(wanted - set(names))
            if unknown:
                raise ValueError(
                    f'ExpWDataset: {path} lists {len(unknown)} image(s) that '
                    f'{self.ann_file} does not label, e.g. {unknown[:3]}. '
                    'Check that the split file belongs to this label file.')
            return wanted
        if self.split == 'all':
            return None
        order = np.random.default_rng(self.seed).permutation(len(names))
        n_test = math.ceil(self.test_ratio * len(names))
        n_val = math.ceil(self.val_ratio * len(names))
        part = {'test': order[:n_test], 'val': order[n_test:n_test + n_val],
                'train': order[n_test + n_val:]}[self.split]
        return {names[i] for i in part}
