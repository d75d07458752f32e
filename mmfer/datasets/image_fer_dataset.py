"""Base of the labelled still-image FER databases read on their real layouts
(RAF-DB, AffectNet, FER2013 / FER+, SFEW 2.0, ExpW, JAFFE)."""
import logging
import os.path as osp
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from .base_fer_dataset import BaseFERDataset


class ImageFERDataset(BaseFERDataset):
    """A face-image FER database on its distributed layout.

    Adds to :class:`BaseFERDataset` what the six EMPD databases share: a
    checked ``split`` (class attribute :attr:`SPLITS`), SynthFace
    auto-generation in the class's ``LAYOUT`` when ``data_root`` is empty,
    annotation lines read with their line numbers (a malformed line is an
    error naming the file and the line) and a logged count of the samples
    a loader drops by design (e.g. AffectNet's Non-Face codes).

    Subclasses set ``SPLITS``, ``DOMAIN``, ``LAYOUT``, ``METAINFO`` and
    implement :meth:`_data_marker` and ``load_data_list`` (absolute
    ``img_path`` per item).

    Args:
        data_root (str): the database folder.
        split (str, optional): one of :attr:`SPLITS` (None if the database
            has no split).
        auto_generate (dict, optional): render a SynthFace dataset in
            ``LAYOUT`` into ``data_root`` if it is absent (keyword arguments
            of ``generate_layout``, e.g. ``dict(subjects=4, samples=10)``).
        ann_file (str): the label file, relative to ``data_root`` (named in
            messages). Defaults to ``''``.
        **kwargs: see :class:`BaseFERDataset` (``pipeline``,
            ``label_space``, ``unmapped``, ``domain``, ``subjects``,
            ``check_files``, ``test_mode``, ...).
    """

    SPLITS: Tuple[str, ...] = ()

    def __init__(self,
                 data_root: str,
                 split: Optional[str] = None,
                 auto_generate: Optional[dict] = None,
                 ann_file: str = '',
                 **kwargs):
        name = type(self).__name__
        if self.SPLITS and split not in self.SPLITS:
            raise ValueError(f'{name}: split must be one of {self.SPLITS}, '
                             f'got {split!r}.')
        if not data_root:
            raise ValueError(f'{name}: data_root is required (the database '
                             'folder, see docs/datasets/'
                             'image_fer_datasets.md).')
        self.split = split
        self.num_dropped: Dict[str, int] = {}
        self._prepare_data(data_root, self._data_marker(), auto_generate)
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def _data_marker(self) -> str:
        """Path (relative to ``data_root``) whose existence means the
        database is there."""
        raise NotImplementedError

    def _check_files(self, data_list: List[dict]) -> None:
        """:meth:`BaseFERDataset._check_files`, naming the label file."""
        try:
            super()._check_files(data_list)
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f'{e} The images are named by '
                f'{self.ann_file or self.data_root}.') from None

    # ------------------------------------------------------------------
    # Helpers of the loaders
    # ------------------------------------------------------------------
    def _path(self, *parts: str) -> str:
        return osp.join(self.data_root, *parts)

    def _open(self, path: str, what: str):
        """Open a text label file, or fail naming it and the fix."""
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{type(self).__name__}: {what} {path} not found. Check '
                'data_root (docs/datasets/image_fer_datasets.md lists the '
                'expected layout).')
        return open(path, encoding='utf-8-sig', newline='')

    def read_fields(self, path: str, num_fields: int,
                    what: str) -> Iterator[Tuple[int, List[str]]]:
        """Whitespace-separated lines of a label file.

        Args:
            path (str): the file.
            num_fields (int): fields each non-empty line must have.
            what (str): the line format (for the message), e.g.
                ``'"<name> <label 1-7>"'``.

        Yields:
            tuple: ``(line number (1-based), fields)``; empty lines are
            skipped.
        """
        with self._open(path, 'label file') as f:
            for lineno, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != num_fields:
                    self.bad_line(path, lineno, line,
                                  f'expected {num_fields} fields {what}')
                yield lineno, fields

    def bad_line(self, path: str, lineno: int, line, why: str):
        """Raise the error of a malformed annotation line."""
        raise ValueError(
            f'{type(self).__name__}: {path} line {lineno}: {why}, got '
            f'{str(line).strip()[:120]!r}. Fix or remove the line (or '
            're-extract the database).')

    def parse_int(self, value: str, path: str, lineno: int, line,
                  valid: Sequence[int], what: str) -> int:
        """``int(value)``, checked to be in ``valid``."""
        try:
            out = int(value)
        except ValueError:
            out = None
        if out not in valid:
            self.bad_line(path, lineno, line,
                          f'{what} must be one of {list(valid)}')
        return out

    def drop(self, reason: str, count: int = 1) -> None:
        """Count ``count`` samples dropped for ``reason``."""
        self.num_dropped[reason] = self.num_dropped.get(reason, 0) + count

    def log_dropped(self) -> None:
        """Log the counts of :meth:`drop` (once the list is loaded)."""
        if self.num_dropped:
            print_log(
                f'{type(self).__name__} ({self.data_root}, split '
                f'{self.split}): dropped {sum(self.num_dropped.values())} '
                f'sample(s) by design: {self.num_dropped}',
                logger='current', level=logging.INFO)
