"""RAF-DB basic: Real-world Affective Faces, 7 basic-expression classes."""
import os.path as osp
from typing import List

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .image_fer_dataset import ImageFERDataset

RAFDB_LABEL_FILE = 'basic/EmoLabel/list_patition_label.txt'


@DATASETS.register_module()
class RAFDBDataset(ImageFERDataset):
    """RAF-DB basic (Li et al., CVPR 2017), as EMPD's source database.

    Layout (the distributed ``basic`` part)::

        data_root/basic/EmoLabel/list_patition_label.txt   (sic)
            "train_00001.jpg 5" / "test_0001.jpg 4", label 1-7
        data_root/basic/Image/aligned/<stem>_aligned.jpg   (aligned=True)
        data_root/basic/Image/original/<stem>.jpg          (aligned=False)

    Classes in RAF-DB's order (label ``k`` is class ``k - 1``):
    surprise, fear, disgust, happiness, sadness, anger, neutral
    (``dataset_classes('rafdb')``). ``split`` selects the lines whose name
    starts with ``train_`` / ``test_`` (12,271 / 3,068 images, see
    docs/datasets/image_fer_datasets.md for the source). ``domain``
    is ``'rafdb'``; RAF-DB has no subject ids.

    Args:
        data_root (str): the RAF-DB folder (holding ``basic/``).
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        aligned (bool): read the aligned faces (default) or the original
            whole images (a pipeline must then detect / crop the face).
            Defaults to True.
        **kwargs: see :class:`ImageFERDataset` (``auto_generate``,
            ``pipeline``, ``label_space``, ``unmapped``, ...).

    Example:
        >>> ds = RAFDBDataset('data/rafdb', split='test',
        ...                   label_space='rafdb')  # doctest: +SKIP
    """

    METAINFO = dict(classes=dataset_classes('rafdb'))
    SPLITS = ('train', 'test')
    DOMAIN = 'rafdb'
    LAYOUT = 'rafdb'

    def __init__(self, data_root: str, split: str = 'train',
                 aligned: bool = True, **kwargs):
        self.aligned = aligned
        super().__init__(data_root, split=split, ann_file=RAFDB_LABEL_FILE,
                         **kwargs)

    def _data_marker(self) -> str:
        return RAFDB_LABEL_FILE

    def load_data_list(self) -> List[dict]:
        img_dir = self._path('basic', 'Image',
                             'aligned' if self.aligned else 'original')
        prefix = self.split + '_'
        out = []
        for lineno, (name, label) in self.read_fields(
                self.ann_file, 2, '"<image name> <label 1-7>"'):
            if not name.startswith(('train_', 'test_')):
                self.bad_line(self.ann_file, lineno, f'{name} {label}',
                              'the image name must start with train_ or '
                              'test_')
            label = self.parse_int(label, self.ann_file, lineno,
                                   f'{name} {label}', range(1, 8), 'label')
            if not name.startswith(prefix):
                continue
            stem = osp.splitext(name)[0]
            file = f'{stem}_aligned.jpg' if self.aligned else name
            out.append(dict(img_path=osp.join(img_dir, file),
                            gt_label=label - 1, image_name=name))
        return out
