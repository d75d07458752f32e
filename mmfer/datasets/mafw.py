"""MAFW: Multimodal Affective Database in the Wild (10,045 clips, 5 folds)."""
import os.path as osp
from typing import List, Sequence

from mmfer.registry import DATASETS
from mmfer.structures.expressions import dataset_classes
from .video_fer_dataset import VideoFERDataset


@DATASETS.register_module()
class MAFWDataset(VideoFERDataset):
    """MAFW (Liu et al., ACM MM 2022), single-label 11-class protocol.

    Layout::

        data_root/
          data/clips/<id:05d>.mp4                 videos
          data/frames/<id:05d>/*.jpg              frames (distributed)
          clips_faces/<id:05d>/0.jpg, 1.jpg, ...  MMA-DFER's face crops
                                                  (extract_face_frames.py)
          clips_wav/<id:05d>.wav                  audio (extract_audio.py);
                                                  21 clips have none
          Train & Test Set/single/no_caption/set_<k>/{train,test}.txt
                                                  lines "00025.mp4 anger"

    Classes, in MMA-DFER's (DFER-CLIP's) order: happiness, sadness, neutral,
    anger, surprise, disgust, fear, contempt, anxiety, helplessness,
    disappointment (``dataset_classes('mafw')``; HiCMAE / MAE-DFER use
    another index order, ``dataset_classes('mafw_hicmae')``). Split-file
    labels are matched by name through the expression vocabulary
    (:mod:`mmfer.structures.expressions`: any alias, case-insensitive).
    ``domain`` is ``'mafw'``.

    Frames come from the first of ``frame_subdirs`` holding the clip's
    folder (face crops first). A clip without a wav file is kept with
    ``audio_path=None`` and ``has_audio=False`` (``LoadAudioFbank`` gives it
    a zero fbank, as the official code does); their number is logged.

    Annotation formats (chosen per line):

    - ``<id>.mp4 <name>`` (the official split files, the default);
    - ``<path>/<id> <num_frames> <label index>`` (MMA-DFER's
      ``MAFW_set_<k>_<split>_faces.txt``, indices in the order above).

    Args:
        data_root (str): the MAFW folder.
        fold (int): 1-5. Defaults to 1.
        split (str): 'train' or 'test'. Defaults to 'train'.
        ann_file (str, optional): overrides the official split file.
        frame_subdirs (Sequence[str]): candidate frame roots. Defaults to
            ``('clips_faces', 'data/frames')``.
        audio_dir (str): wav folder. Defaults to ``'clips_wav'``.
        **kwargs: see :class:`VideoFERDataset`.
    """

    METAINFO = dict(classes=dataset_classes('mafw'))
    ALLOW_MISSING_AUDIO = True
    DOMAIN = 'mafw'
    LAYOUT = 'mafw'

    def __init__(self,
                 *args,
                 frame_subdirs: Sequence[str] = ('clips_faces', 'data/frames'),
                 audio_dir: str = 'clips_wav',
                 **kwargs):
        self.frame_subdirs = tuple(frame_subdirs)
        self.audio_dir = audio_dir
        super().__init__(*args, **kwargs)

    @classmethod
    def default_ann_file(cls, fold: int, split: str) -> str:
        return osp.join('Train & Test Set', 'single', 'no_caption',
                        f'set_{fold}', f'{split}.txt')

    def _frame_dir(self, clip_id: str) -> str:
        candidates = [
            osp.join(self.data_root, d, clip_id) for d in self.frame_subdirs
        ]
        for c in candidates:
            if osp.isdir(c):
                return c
        return candidates[0]  # reported as missing by the start-up check

    def load_data_list(self) -> List[dict]:
        audio_root = osp.join(self.data_root, self.audio_dir)
        if self.with_audio and not osp.isdir(audio_root):
            raise FileNotFoundError(
                f'MAFWDataset: audio folder {audio_root} not found. Extract '
                'the audio (tools/dataset_converters/extract_audio.py '
                f'{osp.join(self.data_root, "data/clips")} {audio_root}), '
                'or set with_audio=False for a video-only model.')
        items = []
        for line in self.read_lines():
            parts = line.split()
            if len(parts) == 3:  # MMA-DFER list
                clip_id, count, label = self.parse_mma_dfer_line(line)
            elif len(parts) == 2:  # official split: "00025.mp4 anger"
                clip_id = osp.splitext(parts[0])[0]
                label = self.class_index(parts[1], line)
                count = None
            else:
                raise ValueError(
                    f'MAFWDataset ({self.ann_file}): cannot parse line '
                    f'{line!r}; expected "<id>.mp4 <label>" or "<path> '
                    '<num_frames> <label index>".')
            items.append(
                self.make_item(
                    clip_id=clip_id,
                    frame_dir=self._frame_dir(clip_id),
                    gt_label=label,
                    audio_path=osp.join(audio_root, f'{clip_id}.wav'),
                    total_frames=count))
        return items
