"""CelebAMask-HQ: face images with per-part parsing masks (EMPD Sec. IV-A).

Lee et al., "MaskGAN: Towards Diverse and Interactive Facial Image
Manipulation", CVPR 2020. EMPD ("Expression-aware Masking and Progressive
Decoupling for Cross-database FER", Sec. IV-A) pre-trains its attention
block for 20 epochs on CelebAMask-HQ's parsing masks before the unlabelled
CelebA / FFHQ / CASIA-WebFace stage.
"""
import os.path as osp
from typing import List, Optional

from mmfer.registry import DATASETS
from .base_fer_dataset import BaseFERDataset
from .transforms.parsing import CELEBAMASK_HQ_CLASSES, CELEBAMASK_HQ_PARTS


def read_celeba_hq_mapping(path: str) -> List[tuple]:
    """Rows of ``CelebA-HQ-to-CelebA-mapping.txt``.

    The file has the header ``idx orig_idx orig_file`` and one
    whitespace-separated row per CelebA-HQ image: its index ``k`` (the
    image ``CelebA-HQ-img/{k}.jpg``), the 0-based index of the CelebA
    image it was made from and that image's file name.

    Returns:
        list[tuple[int, int, str]]: ``(idx, orig_idx, orig_file)`` rows.
    """
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            fields = line.split()
            if not fields or (n == 1 and fields[0] == 'idx'):
                continue
            try:
                rows.append((int(fields[0]), int(fields[1]), fields[2]))
            except (IndexError, ValueError):
                raise ValueError(
                    f'{path}, line {n}: expected "idx orig_idx orig_file" '
                    f'(e.g. "0 119613 119614.jpg"), got {line.strip()!r}. '
                    'Is this the CelebAMask-HQ mapping file?') from None
    if not rows:
        raise ValueError(f'{path} has no rows; re-extract CelebAMask-HQ.')
    return rows


@DATASETS.register_module()
class CelebAMaskHQDataset(BaseFERDataset):
    """CelebAMask-HQ face images and their parsing masks.

    Layout (the official archive)::

        data_root/
          CelebA-HQ-img/{k}.jpg                         k = 0 ... 29999
          CelebAMask-HQ-mask-anno/{k // 2000}/{k:05d}_{part}.png
          CelebA-HQ-to-CelebA-mapping.txt               idx orig_idx orig_file

    Each sample has ``img_path`` and ``parsing_path``, the per-part
    template ``.../{k // 2000}/{k:05d}_{part}.png`` that
    :class:`~.transforms.LoadParsingMap` merges into one class map in the
    official order (:data:`~.transforms.parsing.CELEBAMASK_HQ_CLASSES`,
    0 = background). A part an image does not show has no file. The masks
    are 512 x 512 and the images 1024 x 1024: ``LoadParsingMap`` (after
    the image is loaded) resizes a map of the same aspect ratio to the
    image with nearest-neighbour interpolation, and raises naming the file
    for any other size. At start-up every sample must have at least one
    part file (else an error naming the sample).

    No expression labels (``classes == ()``, no ``gt_label``); ``domain``
    is ``'celebamask_hq'``; ``metainfo['parsing_classes']`` holds the
    merged class names.

    Splits follow CelebA's (the official ``g_partition.py``): the row's
    ``orig_idx`` < 162771 is train, < 182638 val, else test.

    Args:
        data_root (str): the CelebAMask-HQ folder.
        split (str): ``'train'``, ``'val'``, ``'test'`` or ``'all'``.
            Defaults to ``'train'``.
        modalities (Sequence[str]): checked at start-up. Defaults to
            ``('rgb', 'parsing')``.
        auto_generate (dict, optional): render a SynthFace
            ``celebamask_hq``-layout dataset into ``data_root`` when the
            mapping file is absent (keyword arguments of
            :func:`mmfer.datasets.synthface.generate_layout`, e.g.
            ``dict(subjects=4, samples=3, size=64)``). Defaults to None.
        **kwargs: see :class:`BaseFERDataset`.

    Examples:
        >>> import tempfile
        >>> ds = CelebAMaskHQDataset(  # doctest: +ELLIPSIS
        ...     tempfile.mkdtemp() + '/cmhq', split='all',
        ...     auto_generate=dict(subjects=2, samples=2, size=64,
        ...                        verbose=False))
        [rank 0] CelebAMaskHQDataset: rendering a SynthFace ...
        >>> (len(ds), ds.metainfo['classes'],
        ...  osp.basename(ds[0]['parsing_path']))
        (4, (), '00000_{part}.png')
    """

    SPLITS = ('train', 'val', 'test', 'all')
    #: CelebA partition boundaries on ``orig_idx`` (train < 162771 <= val
    #: < 182638 <= test).
    VAL_START, TEST_START = 162771, 182638
    IMG_DIR = 'CelebA-HQ-img'
    MASK_DIR = 'CelebAMask-HQ-mask-anno'
    MAPPING_FILE = 'CelebA-HQ-to-CelebA-mapping.txt'
    DOMAIN = 'celebamask_hq'
    LAYOUT = 'celebamask_hq'
    PARSING_PARTS = CELEBAMASK_HQ_PARTS
    METAINFO = dict(classes=(), parsing_classes=CELEBAMASK_HQ_CLASSES)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 modalities=('rgb', 'parsing'),
                 auto_generate: Optional[dict] = None,
                 **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'{type(self).__name__}: split must be one of '
                             f'{self.SPLITS}, got {split!r}')
        self.split = split
        self._prepare_data(data_root, self.MAPPING_FILE, auto_generate)
        super().__init__(
            ann_file=self.MAPPING_FILE,
            data_root=data_root,
            modalities=modalities,
            **kwargs)

    def _split_of(self, orig_idx: int) -> str:
        if orig_idx < self.VAL_START:
            return 'train'
        return 'val' if orig_idx < self.TEST_START else 'test'

    def load_data_list(self) -> List[dict]:
        """One sample per mapping row of the split, in ``idx`` order."""
        data_list = []
        for k, orig_idx, orig_file in sorted(
                read_celeba_hq_mapping(self.ann_file)):
            if self.split != 'all' and self._split_of(orig_idx) != self.split:
                continue
            data_list.append(
                dict(
                    img_path=osp.join(self.data_root, self.IMG_DIR,
                                      f'{k}.jpg'),
                    parsing_path=osp.join(self.data_root, self.MASK_DIR,
                                          str(k // 2000),
                                          f'{k:05d}_{{part}}.png'),
                    celeba_file=orig_file))
        if not data_list:
            raise ValueError(
                f'{type(self).__name__}: {self.ann_file} has no image of '
                f'split {self.split!r} (train: orig_idx < {self.VAL_START}, '
                f'val: < {self.TEST_START}, test: the rest). Use '
                "split='all' or check the mapping file.")
        return data_list
