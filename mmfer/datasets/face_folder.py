"""Folders of unlabelled face images (EMPD's pre-training data, Sec. IV-A).

EMPD ("Expression-aware Masking and Progressive Decoupling for
Cross-database FER") pre-trains its MAE encoder for 350 epochs on CelebA,
FFHQ and CASIA-WebFace, which have no expression labels. Each is a folder
of images; :class:`FaceFolderDataset` reads any such folder and the
registered aliases know the real layouts.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmfer.registry import DATASETS
from .base_fer_dataset import BaseFERDataset

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


@DATASETS.register_module()
class FaceFolderDataset(BaseFERDataset):
    """Face images found in a folder, without labels.

    Files are globbed by extension (case-insensitive; ``LICENSE.txt``,
    ``names.txt`` and the like are skipped), sorted by their relative
    path, so the sample order is deterministic. Samples have ``img_path``
    and ``domain`` (and ``subject`` with ``subject_from_dir``), no
    ``gt_label``: ``metainfo['classes'] == ()``. ``PackFERInputs`` packs
    such samples without a label.

    Args:
        data_root (str): the dataset folder.
        image_dir (str): the image folder inside ``data_root``. Defaults
            to ``''`` (``data_root`` itself).
        extensions (Sequence[str]): file endings that are images. Defaults
            to ``('.jpg', '.jpeg', '.png', '.bmp')``.
        recursive (bool): also search sub-folders. Defaults to True.
        domain (str, optional): the dataset name on every sample; defaults
            to the class's ``DOMAIN`` (this generic class has none: pass
            it, e.g. ``domain='my_faces'``).
        subject_from_dir (bool): ``subject`` = the first folder of the
            image's path under ``image_dir`` (an identity folder).
            Defaults to False.
        split_file (str, optional): a text file (relative to
            ``data_root``) of ``<image path relative to image_dir> <split>``
            lines; ``<split>`` is ``0`` / ``1`` / ``2`` or ``train`` /
            ``val`` / ``test`` (CelebA's ``list_eval_partition.txt``).
            Images it does not list are dropped. Defaults to None.
        split (str): ``'all'`` or, with a split file or a layout that
            defines splits, ``'train'`` / ``'val'`` / ``'test'``. Defaults
            to ``'all'``.
        auto_generate (dict, optional): render the class's SynthFace
            ``LAYOUT`` into ``data_root`` when ``image_dir`` is absent.
        **kwargs: see :class:`BaseFERDataset`.

    Examples:
        >>> import tempfile, os.path as osp, numpy as np, cv2
        >>> root = tempfile.mkdtemp()
        >>> for name in ('b/1.png', 'a/2.jpg'):
        ...     os.makedirs(osp.join(root, osp.dirname(name)), exist_ok=True)
        ...     _ = cv2.imwrite(osp.join(root, name),
        ...                     np.zeros((8, 8, 3), np.uint8))
        >>> open(osp.join(root, 'LICENSE.txt'), 'w').close()
        >>> ds = FaceFolderDataset(root, domain='toy', subject_from_dir=True)
        >>> [(osp.relpath(d['img_path'], root), d['subject'])
        ...  for d in (ds[0], ds[1])], ds.metainfo['classes']
        ([('a/2.jpg', 'a'), ('b/1.png', 'b')], ())
    """

    SPLIT_CODES = {'0': 'train', '1': 'val', '2': 'test'}
    SPLITS = ('train', 'val', 'test', 'all')
    METAINFO = dict(classes=())
    #: default ``image_dir`` candidates of a layout (first existing one).
    IMAGE_DIRS: Sequence[str] = ()

    def __init__(self,
                 data_root: str,
                 image_dir: Optional[str] = '',
                 extensions: Sequence[str] = IMAGE_EXTENSIONS,
                 recursive: bool = True,
                 domain: Optional[str] = None,
                 subject_from_dir: bool = False,
                 split_file: Optional[str] = None,
                 split: str = 'all',
                 auto_generate: Optional[dict] = None,
                 **kwargs):
        name = type(self).__name__
        if split not in self.SPLITS:
            raise ValueError(f'{name}: split must be one of {self.SPLITS}, '
                             f'got {split!r}')
        exts = tuple(e.lower() for e in ([extensions] if isinstance(
            extensions, str) else extensions))
        if not exts or not all(e.startswith('.') for e in exts):
            raise ValueError(f'{name}: extensions must be file endings with '
                             f"a dot, e.g. ('.jpg', '.png'), got {extensions}")
        if image_dir is None:  # a layout's default folder
            image_dir = self._default_image_dir(data_root, auto_generate)
        self.image_dir = image_dir
        self.extensions = exts
        self.recursive = recursive
        self.subject_from_dir = subject_from_dir
        self.split_file = split_file
        self.split = split
        self._prepare_data(data_root, image_dir or '.', auto_generate)
        super().__init__(data_root=data_root, domain=domain, **kwargs)

    def _default_image_dir(self, data_root: str,
                           auto_generate: Optional[dict]) -> str:
        for d in self.IMAGE_DIRS:
            if osp.isdir(osp.join(data_root, d)):
                return d
        folder = (auto_generate or {}).get('folder')  # e.g. FFHQ layout's
        if folder in self.IMAGE_DIRS:
            return folder
        if auto_generate is not None or not self.IMAGE_DIRS:
            return self.IMAGE_DIRS[0] if self.IMAGE_DIRS else ''
        raise FileNotFoundError(
            f'{type(self).__name__}: none of the image folders '
            f'{list(self.IMAGE_DIRS)} is in {data_root}. Check data_root, '
            'or pass image_dir=... (see docs/datasets/'
            'parsing_and_unlabelled.md).')

    # ------------------------------------------------------------------
    def _find_images(self, root: str) -> List[str]:
        """Sorted image paths relative to ``root``."""
        found = []
        if self.recursive:
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                rel = osp.relpath(dirpath, root)
                found += [f if rel == '.' else osp.join(rel, f)
                          for f in filenames
                          if f.lower().endswith(self.extensions)]
        else:
            found = [f for f in os.listdir(root)
                     if f.lower().endswith(self.extensions)
                     and osp.isfile(osp.join(root, f))]
        return sorted(found)

    def _read_split_file(self) -> Dict[str, str]:
        """image path -> 'train' / 'val' / 'test'."""
        path = osp.join(self.data_root, self.split_file)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{type(self).__name__}: split file {path} not found. Check '
                'data_root / split_file (CelebA: list_eval_partition.txt), '
                "or use split='all' without a split file.")
        splits = {}
        with open(path) as f:
            for n, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                code = fields[-1] if len(fields) == 2 else None
                split = self.SPLIT_CODES.get(code, code)
                if split not in ('train', 'val', 'test'):
                    raise ValueError(
                        f'{path}, line {n}: expected "<image> <0|1|2>" or '
                        f'"<image> <train|val|test>", got {line.strip()!r}.')
                splits[osp.normpath(fields[0])] = split
        return splits

    def _split_of(self, rel_path: str) -> Optional[str]:
        """The split of an image without a split file (None: unknown)."""
        return None

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        root = osp.join(self.data_root, self.image_dir)
        if not osp.isdir(root):
            raise FileNotFoundError(
                f'{name}: image folder {root} not found. Check data_root and '
                'image_dir.')
        images = self._find_images(root)
        if not images:
            raise FileNotFoundError(
                f'{name}: no image ({", ".join(self.extensions)}) in {root}'
                f'{" or its sub-folders" if self.recursive else ""}: an '
                'empty source domain. Check data_root / image_dir, extract '
                'the dataset, or pass extensions=... for other files.')
        splits = self._read_split_file() if self.split_file else None
        data_list = []
        for rel in images:
            if self.split != 'all':
                s = (splits.get(osp.normpath(rel)) if splits is not None
                     else self._split_of(rel))
                if s is None and splits is None:
                    raise ValueError(
                        f"{name}: split={self.split!r} needs a split_file "
                        f"(or a dataset class that defines splits); use "
                        "split='all'.")
                if s != self.split:
                    continue
            info = dict(img_path=osp.join(root, rel))
            if self.subject_from_dir:
                if osp.dirname(rel) == '':
                    raise ValueError(
                        f'{name}: subject_from_dir=True needs one folder per '
                        f'subject, but {osp.join(root, rel)} is directly in '
                        f'{root}. Set subject_from_dir=False.')
                info['subject'] = rel.split(os.sep, 1)[0]
            data_list.append(info)
        if not data_list:
            raise ValueError(
                f'{name}: none of the {len(images)} images in {root} is in '
                f'split {self.split!r}'
                + (f' of {self.split_file}' if self.split_file else '') +
                ". Check the split file, or use split='all'.")
        return data_list


@DATASETS.register_module()
class CelebADataset(FaceFolderDataset):
    """CelebA (Liu et al., ICCV 2015), aligned crops, no labels used.

    Layout::

        data_root/img_align_celeba/000001.jpg ... 202599.jpg
        data_root/list_eval_partition.txt        <file> <0|1|2>

    ``split`` (``'train'`` 0 / ``'val'`` 1 / ``'test'`` 2 / ``'all'``)
    selects by ``list_eval_partition.txt``. ``domain``: ``'celeba'``.
    Args: see :class:`FaceFolderDataset` (defaults changed here:
    ``image_dir='img_align_celeba'``, ``split_file=
    'list_eval_partition.txt'``).
    """

    DOMAIN = 'celeba'
    LAYOUT = 'celeba'

    def __init__(self,
                 data_root: str,
                 image_dir: str = 'img_align_celeba',
                 split_file: Optional[str] = 'list_eval_partition.txt',
                 split: str = 'all',
                 **kwargs):
        super().__init__(data_root, image_dir=image_dir,
                         split_file=split_file, split=split, **kwargs)


@DATASETS.register_module()
class FFHQDataset(FaceFolderDataset):
    """FFHQ (Karras et al., CVPR 2019), no labels.

    Layout::

        data_root/images1024x1024/00000/00000.png ... 69000/69999.png
        (or thumbnails128x128/, the same names)

    Sub-folders of 1,000 images. The FFHQ README's split: images
    0-59,999 ``'train'``, 60,000-69,999 ``'val'`` (by the file number).
    ``image_dir`` None (default) takes the first of ``images1024x1024`` /
    ``thumbnails128x128`` that exists. ``domain``: ``'ffhq'``.
    Args: see :class:`FaceFolderDataset`.
    """

    DOMAIN = 'ffhq'
    LAYOUT = 'ffhq'
    SPLITS = ('train', 'val', 'all')
    IMAGE_DIRS = ('images1024x1024', 'thumbnails128x128')
    NUM_TRAIN = 60000

    def __init__(self, data_root: str, image_dir: Optional[str] = None,
                 split: str = 'all', **kwargs):
        super().__init__(data_root, image_dir=image_dir, split=split,
                         **kwargs)

    def _split_of(self, rel_path: str) -> Optional[str]:
        stem = osp.splitext(osp.basename(rel_path))[0]
        if not stem.isdigit():
            raise ValueError(
                f'FFHQDataset: {rel_path} is not named by its number '
                '(00000.png ... 69999.png), so its split is unknown; use '
                "split='all'.")
        return 'train' if int(stem) < self.NUM_TRAIN else 'val'


@DATASETS.register_module()
class CASIAWebFaceDataset(FaceFolderDataset):
    """CASIA-WebFace (Yi et al., 2014), no labels used.

    Layout: ``data_root/<identity>/<NNN>.jpg`` (250 x 250; an optional
    ``names.txt`` is skipped). ``subject`` is the identity folder;
    ``domain``: ``'casia_webface'``. No official split (``split='all'``).
    Args: see :class:`FaceFolderDataset` (``subject_from_dir=True``).
    """

    DOMAIN = 'casia_webface'
    LAYOUT = 'casia_webface'
    SPLITS = ('all', )

    def __init__(self, data_root: str, subject_from_dir: bool = True,
                 **kwargs):
        super().__init__(data_root, subject_from_dir=subject_from_dir,
                         **kwargs)
