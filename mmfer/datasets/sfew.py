"""SFEW 2.0: Static Facial Expressions in the Wild (movie stills)."""
import os
import os.path as osp
from typing import List

from mmfer.registry import DATASETS
from mmfer.structures.expressions import canonical_expression, dataset_classes
from .image_fer_dataset import ImageFERDataset

#: SFEW 2.0 class folder names, in label (folder) order.
SFEW_FOLDERS = ('Angry', 'Disgust', 'Fear', 'Happy', 'Neutral', 'Sad',
                'Surprise')
SFEW_SPLIT_DIRS = {'train': 'Train/Train_Aligned_Faces',
                   'val': 'Val/Val_Aligned_Faces'}
IMG_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')


@DATASETS.register_module()
class SFEWDataset(ImageFERDataset):
    """SFEW 2.0 (Dhall et al., ICCV-W 2011; EmotiW), aligned faces.

    Layout::

        data_root/Train/Train_Aligned_Faces/<Class>/*.png
        data_root/Val/Val_Aligned_Faces/<Class>/*.png

    Class folders Angry, Disgust, Fear, Happy, Neutral, Sad, Surprise (in
    this label order, ``dataset_classes('sfew')``); a folder of another
    name is an error naming it (a folder of a known expression under another
    spelling, e.g. ``happy``, is accepted). Train 958, Val 436 images (the
    test labels are withheld). Images are listed in sorted order; other
    files are ignored. ``domain`` is ``'sfew'``.

    Args:
        data_root (str): the SFEW 2.0 folder (holding ``Train/``,
            ``Val/``).
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        **kwargs: see :class:`ImageFERDataset`.
    """

    METAINFO = dict(classes=dataset_classes('sfew'))
    SPLITS = tuple(SFEW_SPLIT_DIRS)
    DOMAIN = 'sfew'
    LAYOUT = 'sfew'

    def __init__(self, data_root: str, split: str = 'train', **kwargs):
        super().__init__(data_root, split=split, **kwargs)

    def _data_marker(self) -> str:
        return SFEW_SPLIT_DIRS[self.split]

    def load_data_list(self) -> List[dict]:
        root = self._path(SFEW_SPLIT_DIRS[self.split])
        classes = dataset_classes('sfew')
        out = []
        for folder in sorted(e.name for e in os.scandir(root) if e.is_dir()):
            try:
                label = classes.index(canonical_expression(folder))
            except ValueError:
                label = None
            if label is None:
                raise ValueError(
                    f'SFEWDataset: unknown class folder '
                    f'{osp.join(root, folder)}; SFEW 2.0 has the folders '
                    f'{list(SFEW_FOLDERS)}. Rename or remove it.')
            for name in sorted(os.listdir(osp.join(root, folder))):
                if osp.splitext(name)[1].lower() in IMG_EXTS:
                    out.append(dict(img_path=osp.join(root, folder, name),
                                    gt_label=label))
        return out
