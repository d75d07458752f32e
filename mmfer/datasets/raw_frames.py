"""Frames of the AU datasets as distributed (before any preprocessing).

The preprocessing tools (``tools/dataset_converters/face_crop.py``,
``bp4dplus_thermal.py``) read the released RGB frames from these layouts:

- ``bp4d``: ``SRC/{Sequences(2D+3D)|Sequences|BP4D-training}/<S>/<T>/<n>.jpg``
- ``bp4d_plus``: ``SRC/2D+3D/<S>/<T>/<n>.jpg`` or ``SRC/2D+3D/<S>.zip``
  (read from the zip, nothing extracted)
- ``disfa``: ``SRC/img/<S>/<t>.png`` (written by disfa_extract_frames.py)

Frame names are numbers; they are sorted numerically.
"""
import os
import os.path as osp
import zipfile
from typing import Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

#: Candidate RGB folders per dataset, first existing one is used.
RGB_DIRS = {
    'bp4d': ('Sequences(2D+3D)', 'Sequences', 'BP4D-training'),
    'bp4d_plus': ('2D+3D', ),
    'disfa': ('img', ),
}
IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def numbered(names: Sequence[str]) -> List[str]:
    """Image names whose stem is a number, sorted numerically."""
    keep = [n for n in names
            if osp.splitext(n)[1].lower() in IMG_EXTS
            and osp.splitext(osp.basename(n))[0].isdigit()]
    return sorted(keep, key=lambda n: int(osp.splitext(osp.basename(n))[0]))


class FrameSource:
    """Frames of one clip from a folder or from a subject zip.

    Args:
        folder (str, optional): folder holding ``<n>.jpg`` frames.
        zf (zipfile.ZipFile, optional): subject zip (instead of a folder).
        prefix (str): clip folder inside the zip, e.g. ``'F001/T1/'``.

    Attributes:
        names (list[str]): frame file names, numerically sorted.
    """

    def __init__(self, folder: Optional[str] = None,
                 zf: Optional[zipfile.ZipFile] = None,
                 prefix: str = ''):
        self.folder, self.zf, self.prefix = folder, zf, prefix
        if zf is not None:
            names = [n[len(prefix):] for n in zf.namelist()
                     if n.startswith(prefix) and '/' not in n[len(prefix):]]
        else:
            names = os.listdir(folder)
        self.names = numbered(names)

    def read_rgb(self, name: str) -> np.ndarray:
        """(H, W, 3) uint8 RGB frame (ValueError naming it if undecodable)."""
        if self.zf is not None:
            data = np.frombuffer(self.zf.read(self.prefix + name), np.uint8)
            src = f'{self.zf.filename}:{self.prefix + name}'
        else:
            src = osp.join(self.folder, name)
            data = np.fromfile(src, np.uint8)
        img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if img is None:
            raise ValueError(f'cannot decode frame {src}')
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)

    def source(self, name: str) -> str:
        """Where frame ``name`` is read from (for messages)."""
        if self.zf is not None:
            return f'{self.zf.filename}:{self.prefix + name}'
        return osp.join(self.folder, name)


def find_rgb_root(src: str, dataset: str) -> str:
    """Name of the RGB folder of ``dataset`` under ``src``."""
    if dataset not in RGB_DIRS:
        raise ValueError(f'unknown dataset {dataset!r}; valid: '
                         f'{sorted(RGB_DIRS)}')
    for name in RGB_DIRS[dataset]:
        if osp.isdir(osp.join(src, name)):
            return name
    raise FileNotFoundError(
        f'no RGB frame folder under {src}; looked for {RGB_DIRS[dataset]}')


def iter_clips(src: str, dataset: str
               ) -> Iterator[Tuple[str, str, FrameSource]]:
    """Yield ``(subject, clip, FrameSource)`` in sorted order.

    The clip path is relative to the RGB folder: ``F001/T1`` (BP4D, BP4D+)
    or ``SN001`` (DISFA).
    """
    rgb = osp.join(src, find_rgb_root(src, dataset))
    for entry in sorted(os.listdir(rgb)):
        path = osp.join(rgb, entry)
        if dataset == 'disfa':
            if osp.isdir(path):
                yield entry, entry, FrameSource(path)
        elif osp.isdir(path):
            for task in sorted(os.listdir(path)):
                if osp.isdir(osp.join(path, task)):
                    yield entry, f'{entry}/{task}', FrameSource(
                        osp.join(path, task))
        elif entry.endswith('.zip') and not osp.isdir(path[:-4]):
            subj = entry[:-4]
            zf = zipfile.ZipFile(path)
            tasks = sorted({n.split('/')[1] for n in zf.namelist()
                            if n.count('/') >= 2 and n.startswith(subj + '/')})
            for task in tasks:
                yield subj, f'{subj}/{task}', FrameSource(
                    zf=zf, prefix=f'{subj}/{task}/')
