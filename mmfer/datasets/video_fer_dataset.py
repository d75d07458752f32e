"""Base class of mmfer's clip datasets (one sample = one video clip)."""
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from mmfer.registry import DATASETS
from mmfer.structures.expressions import (canonical_classes,
                                          canonical_expression)
from .fer_dataset_mixin import FERDatasetMixin
from .transforms.video import list_frames


@DATASETS.register_module()
class VideoFERDataset(FERDatasetMixin, BaseDataset):
    """Face-frame clips with an optional audio track and one expression.

    Subclasses (:class:`DFEWDataset`, :class:`MAFWDataset`) read their
    distributed annotation files in ``load_data_list`` and return items
    with:

    - ``frame_dir`` (str): absolute folder of the clip's frame images;
    - ``total_frames`` (int): frames to sample from (``SampleSegmentFrames``);
    - ``audio_path`` (str | None): absolute wav path, None when the clip has
      no audio (only if the dataset allows it);
    - ``has_audio`` (bool): ``audio_path is not None``; models see it in the
      data sample's metainfo;
    - ``gt_label`` (int): index into ``metainfo['classes']`` (canonical
      names of :mod:`mmfer.structures.expressions`, in the dataset's
      published order);
    - ``clip_id`` (str);
    - ``domain`` (str): the dataset name (:class:`FERDatasetMixin`).

    Class attributes of subclasses: ``METAINFO`` (``classes``),
    ``ALLOW_MISSING_AUDIO`` (whether a clip may lack its wav: MAFW yes,
    DFEW no), ``DOMAIN`` (the dataset name) and ``LAYOUT`` (the SynthFace
    layout name used by ``auto_generate``).

    Args:
        data_root (str): dataset root folder.
        fold (int): official fold, 1-5.
        split (str): ``'train'`` or ``'test'``.
        ann_file (str, optional): annotation file overriding the official
            split file of ``fold``/``split`` (relative to ``data_root``).
        with_audio (bool): resolve audio paths (and check them). False for
            video-only models: every item gets ``audio_path=None``,
            ``has_audio=False``. Defaults to True.
        allow_missing_audio (bool, optional): whether a clip may lack its
            wav file; a missing file then gives ``has_audio=False`` (and a
            zero fbank in ``LoadAudioFbank``), otherwise it is an error at
            start-up. Defaults to the class's ``ALLOW_MISSING_AUDIO``.
        check_files (bool): check frame folders (and their frame counts)
            and audio files at start-up. Defaults to True.
        auto_generate (dict, optional): if the annotation file is absent,
            render a SynthFace dataset in this layout into ``data_root``
            first, with these keyword arguments of
            :func:`mmfer.datasets.synthface.generate_layout`.
        domain (str, optional): ``domain`` of every clip. Defaults to the
            class's ``DOMAIN``.
        label_space (str | Sequence[str], optional): express ``gt_label``
            in another dataset's class order (a name such as ``'dfew'`` or
            a class list), by name. Defaults to None (own order).
        unmapped (str): ``'error'`` (default) or ``'drop'``: clips whose
            class ``label_space`` lacks.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``metainfo``, ...).
    """

    METAINFO: dict = dict(classes=())
    ALLOW_MISSING_AUDIO = False
    SPLITS = ('train', 'test')
    NUM_FOLDS = 5  # official folds (set_1 ... set_5)

    def __init__(self,
                 data_root: str,
                 fold: int = 1,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 with_audio: bool = True,
                 allow_missing_audio: Optional[bool] = None,
                 check_files: bool = True,
                 auto_generate: Optional[dict] = None,
                 domain: Optional[str] = None,
                 label_space: Union[str, Sequence[str], None] = None,
                 unmapped: str = 'error',
                 **kwargs):
        self._init_contract(domain, label_space, unmapped)
        if split not in self.SPLITS:
            raise ValueError(
                f'{type(self).__name__}: split must be one of {self.SPLITS}, '
                f'got {split!r}')
        if int(fold) not in range(1, self.NUM_FOLDS + 1):
            raise ValueError(f'{type(self).__name__}: fold must be '
                             f'1-{self.NUM_FOLDS}, got {fold!r}')
        self.fold = int(fold)
        self.split = split
        self.with_audio = with_audio
        self.allow_missing_audio = (
            self.ALLOW_MISSING_AUDIO
            if allow_missing_audio is None else allow_missing_audio)
        self.check_files = check_files
        if ann_file is None:
            ann_file = self.default_ann_file(self.fold, split)
        self._prepare_data(data_root, ann_file, auto_generate)
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    # ------------------------------------------------------------------
    # To implement / customise in subclasses
    # ------------------------------------------------------------------
    @classmethod
    def default_ann_file(cls, fold: int, split: str) -> str:
        """The official split file of a fold, relative to ``data_root``."""
        raise NotImplementedError(
            f'{cls.__name__} has no official split file; pass ann_file.')

    def load_data_list(self) -> List[dict]:
        raise NotImplementedError

    # ------------------------------------------------------------------
    # Shared helpers
    # ------------------------------------------------------------------
    def class_index(self, name: str, line: str) -> int:
        """Index in ``classes`` of a class name, matched by its canonical
        expression name (any alias, case-insensitive)."""
        classes = canonical_classes(self._metainfo['classes'])
        try:
            key = canonical_expression(name)
        except ValueError:
            key = None
        if key not in classes:
            raise ValueError(
                f'{type(self).__name__} ({self.ann_file}): unknown label '
                f'{name!r} in line {line!r}; valid labels are '
                f'{list(classes)} (or an alias of one, see '
                'mmfer.structures.expressions).')
        return classes.index(key)

    def make_item(self, clip_id: str, frame_dir: str, gt_label: int,
                  audio_path: Optional[str],
                  total_frames: Optional[int]) -> dict:
        """One data item; counts the frames when ``total_frames`` is None."""
        if total_frames is None:
            total_frames = len(list_frames(frame_dir)) if osp.isdir(
                frame_dir) else 0
        num_classes = len(self.metainfo['classes'])
        if not 0 <= gt_label < num_classes:
            raise ValueError(
                f'{type(self).__name__} ({self.ann_file}): clip {clip_id} '
                f'has label index {gt_label}, outside 0..{num_classes - 1}.')
        if not self.with_audio:
            audio_path = None
        elif (audio_path is not None and self.allow_missing_audio
              and not osp.isfile(audio_path)):
            audio_path = None  # documented: no audio track for this clip
        return dict(
            clip_id=str(clip_id),
            frame_dir=frame_dir,
            total_frames=int(total_frames),
            audio_path=audio_path,
            has_audio=audio_path is not None,
            gt_label=int(gt_label))

    def parse_mma_dfer_line(self, line: str):
        """``<path>/<clip_id> <num_frames> <label index>`` (MMA-DFER lists).

        The official lists hold absolute paths of the authors' machine;
        only the last path component (the clip id) is used, the frames are
        looked up under ``data_root``.

        Returns:
            tuple: ``(clip_id, num_frames, label_index)``.
        """
        parts = line.split()
        if len(parts) != 3:
            raise ValueError(
                f'{type(self).__name__} ({self.ann_file}): expected '
                f'"<path> <num_frames> <label>" but got {line!r}.')
        try:
            return (osp.basename(parts[0].rstrip('/')), int(parts[1]),
                    int(parts[2]))
        except ValueError:
            raise ValueError(
                f'{type(self).__name__} ({self.ann_file}): frame count and '
                f'label must be integers in line {line!r}.') from None

    def read_lines(self) -> List[str]:
        with open(self.ann_file, encoding='utf-8-sig') as f:
            return [ln.strip() for ln in f if ln.strip()]

    def filter_data(self) -> List[dict]:
        """Check frames and audio at start-up (``check_files``)."""
        data_list = self.data_list
        if not data_list:
            raise ValueError(f'{type(self).__name__}: {self.ann_file} lists '
                             'no clips.')
        data_list = self._apply_contract(data_list)
        if self.check_files:
            self._check_files(data_list)
        if self.with_audio:
            no_audio = [d['clip_id'] for d in data_list if not d['has_audio']]
            if no_audio:
                MMLogger.get_current_instance().warning(
                    f'{type(self).__name__} fold {self.fold} {self.split}: '
                    f'{len(no_audio)}/{len(data_list)} clips have no audio '
                    f'(e.g. {no_audio[:5]}); they get a zero fbank and '
                    'has_audio=False.')
        return data_list

    def _check_files(self, data_list: List[dict]) -> None:
        bad_frames = [(d['clip_id'], d['frame_dir'], d['total_frames'])
                      for d in data_list if d['total_frames'] < 1]
        if bad_frames:
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(bad_frames)} clip(s) have no '
                f'frame folder or no frames, e.g. {bad_frames[:3]} '
                '(clip, folder, frames). Extract the frames (tools/'
                'dataset_converters/extract_face_frames.py) or check '
                'data_root.')
        short = []
        for d in data_list:
            n = len(list_frames(d['frame_dir']))
            if n < d['total_frames']:
                short.append((d['frame_dir'], d['total_frames'], n))
        if short:
            raise ValueError(
                f'{type(self).__name__}: {len(short)} clip(s) hold fewer '
                f'frames than the annotation says, e.g. {short[:3]} (folder, '
                'annotated, found). Re-extract them or fix the counts.')
        if self.with_audio and not self.allow_missing_audio:
            missing = [
                d['audio_path'] for d in data_list
                if d['audio_path'] is None or not osp.isfile(d['audio_path'])
            ]
            if missing:
                raise FileNotFoundError(
                    f'{type(self).__name__}: {len(missing)} audio file(s) '
                    f'are missing, e.g. {missing[:3]}. Extract them with '
                    'tools/dataset_converters/extract_audio.py, set '
                    'allow_missing_audio=True to train on the clips without '
                    'audio (zero fbank, has_audio=False), or '
                    'with_audio=False for a video-only model.')
