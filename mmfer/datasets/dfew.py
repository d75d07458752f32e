"""DFEW: Dynamic Facial Expressions in the Wild (16,372 clips, 5 folds)."""
import csv
import os.path as osp
from typing import List, Sequence

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .video_fer_dataset import VideoFERDataset


@DATASETS.register_module()
class DFEWDataset(VideoFERDataset):
    """DFEW (Jiang et al., ACM MM 2020) as MMA-DFER uses it.

    Layout (the distributed dataset plus the extracted audio)::

        data_root/
          Clip/clip_224x224/<id:05d>/*.jpg      all frames of each clip
          Clip/clip_224x224_16f/<id:05d>/1..16.jpg   (optional)
          EmoLabel_DataSplit/{train,test}(single-labeled)/set_<k>.csv
                                                 header video_name,label
          annotation/DFEW_set_<k>_{train,test}.txt   (MMA-DFER's lists,
                                                 optional)
          raw_wav/<id>.wav  (or Clip/raw_wav/)   unpadded id, from
                                                 tools/dataset_converters/
                                                 extract_audio.py

    Classes, in DFEW's and MMA-DFER's order (official CSV label ``k`` is
    class ``k - 1``: 1 Happy ... 7 Fear), in canonical names
    (``dataset_classes('dfew')``): happiness, sadness, neutral, anger,
    surprise, disgust, fear. ``domain`` is ``'dfew'``.

    Annotation formats (chosen by the file's extension):

    - ``.csv`` (default: the official ``set_<fold>.csv`` of ``split``):
      ``video_name,label`` with an unpadded id and a 1-based label; the
      frame count is the number of frames in the clip folder;
    - ``.txt``: MMA-DFER's ``annotation/DFEW_set_<k>_<split>.txt``, lines
      ``<path>/<id:05d> <num_frames> <label - 1>``; the frame count is
      taken from the list (as the official loader does), only the clip id
      of the path is used.

    Every DFEW clip has a sound track: a missing wav is an error at
    start-up unless ``allow_missing_audio=True``.

    Args:
        data_root (str): the DFEW folder.
        fold (int): 1-5. Defaults to 1.
        split (str): 'train' or 'test'. Defaults to 'train'.
        ann_file (str, optional): a ``.csv`` or ``.txt`` list overriding
            the official split of ``fold``; e.g.
            ``'annotation/DFEW_set_1_train.txt'``.
        frame_subdir (str): folder of the clip frame folders. Defaults to
            ``'Clip/clip_224x224'``; ``'Clip/clip_224x224_16f'`` for the
            16-frame version.
        audio_dirs (Sequence[str]): candidate wav folders, the first that
            exists is used. Defaults to ``('raw_wav', 'Clip/raw_wav')``
            (the official loader expects ``raw_wav`` beside
            ``clip_224x224``).
        **kwargs: see :class:`VideoFERDataset`.

    Example:
        >>> ds = DFEWDataset('data/dfew', fold=1, split='test',
        ...                  pipeline=[...])  # doctest: +SKIP
    """

    METAINFO = dict(classes=dataset_classes('dfew'))
    ALLOW_MISSING_AUDIO = False
    DOMAIN = 'dfew'
    LAYOUT = 'dfew'

    def __init__(self,
                 *args,
                 frame_subdir: str = 'Clip/clip_224x224',
                 audio_dirs: Sequence[str] = ('raw_wav', 'Clip/raw_wav'),
                 **kwargs):
        self.frame_subdir = frame_subdir
        self.audio_dirs = tuple(audio_dirs)
        super().__init__(*args, **kwargs)

    @classmethod
    def default_ann_file(cls, fold: int, split: str) -> str:
        return osp.join('EmoLabel_DataSplit', f'{split}(single-labeled)',
                        f'set_{fold}.csv')

    def _audio_dir(self) -> str:
        for d in self.audio_dirs:
            if osp.isdir(osp.join(self.data_root, d)):
                return osp.join(self.data_root, d)
        return osp.join(self.data_root, self.audio_dirs[0])

    def load_data_list(self) -> List[dict]:
        frame_root = osp.join(self.data_root, self.frame_subdir)
        audio_dir = self._audio_dir()
        rows = []  # (clip id int, label index, frame count or None)
        if self.ann_file.endswith('.csv'):
            with open(self.ann_file, encoding='utf-8-sig', newline='') as f:
                reader = csv.reader(f)
                header = [h.strip().lower() for h in next(reader, [])]
                if header[:2] != ['video_name', 'label']:
                    raise ValueError(
                        f'DFEWDataset: {self.ann_file} should start with the '
                        f'header "video_name,label", got {header}.')
                for row in reader:
                    if not row:
                        continue
                    try:
                        rows.append((int(row[0]), int(row[1]) - 1, None))
                    except (ValueError, IndexError):
                        raise ValueError(
                            f'DFEWDataset: bad row {row} in {self.ann_file}; '
                            'expected "<id>,<label 1-7>".') from None
        else:
            for line in self.read_lines():
                clip_id, count, label = self.parse_mma_dfer_line(line)
                try:
                    rows.append((int(clip_id), label, count))
                except ValueError:
                    raise ValueError(
                        f'DFEWDataset: clip id {clip_id!r} of line {line!r} '
                        f'in {self.ann_file} is not a number.') from None
        return [
            self.make_item(
                clip_id=f'{cid:05d}',
                frame_dir=osp.join(frame_root, f'{cid:05d}'),
                gt_label=label,
                audio_path=osp.join(audio_dir, f'{cid}.wav'),
                total_frames=count) for cid, label, count in rows
        ]
