"""DISFA for AU detection (MCM Sec. 4.1).

Mavadati et al., "DISFA: A Spontaneous Facial Action Intensity Database",
IEEE TAC 2013. MCM uses 8 of the 12 coded AUs from the left camera, an AU
being positive when its intensity is >= 2, with the subject-exclusive
3-fold protocol of :mod:`mmfer.datasets.protocols`.
"""
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from mmfer.registry import DATASETS
from .au_frames import AUFrameDataset, index_frames, list_dirs, resolve_prefix
from .protocols import DISFA_AUS

#: The 12 AUs DISFA codes (one label file per AU and subject).
DISFA_CODED_AUS = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)


def read_intensity_file(path: str) -> Dict[int, int]:
    """``frameIdx,intensity`` lines (no header) -> {frameIdx: intensity}."""
    out = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                idx, val = line.split(',')[:2]
                out[int(float(idx))] = int(float(val))
            except ValueError:
                raise ValueError(f'{path}:{lineno}: expected "frameIdx,'
                                 f'intensity", got {line!r}') from None
    return out


@DATASETS.register_module()
class DISFADataset(AUFrameDataset):
    """DISFA left-camera frames with AU occurrence (intensity >= 2).

    Reads the frames extracted in ME-GraphAU's layout (by
    ``tools/dataset_converters/disfa_extract_frames.py`` from
    ``Videos_LeftCamera/LeftVideoSN001_comp.avi``) and the labels as
    distributed::

        data_root/
          img/SN001/0.png ...                frame t (0-based, any padding)
          ActionUnit_Labels/SN001/SN001_au1.txt   "frameIdx,intensity" lines

    JAA-Net's layout (frames directly in ``data_root/SN001/0.jpg``) is read
    with ``img_prefix=''``.

    **Frame numbering**: the label files count frames from 1 (frameIdx 1 is
    the first video frame, ../shared/DATASETS.md [U]), the extracted
    frames from 0, so label ``frameIdx`` maps to image ``t = frameIdx +
    frame_offset`` with ``frame_offset=-1`` by default. This equals
    ME-GraphAU's mapping by line order.

    **Missing AU file**: ME-GraphAU silently fills zeros; here it is an
    error naming the file (``missing_au='error'``, default), or with
    ``missing_au='unknown'`` the AU is -1 (not coded) for that subject,
    which AU metrics and the weighted BCE exclude, rather than a fake
    "absent". Labelled frames without an image are skipped with a logged
    count; a subject without any image is an error.

    Args:
        data_root (str): dataset root.
        fold (int, optional): 1, 2 or 3 (fold 1 tests part 3, fold 2 part
            2, fold 3 part 1); None = all subjects (or ``subjects``).
        split (str): ``'train'`` or ``'test'`` (``'val'`` = ``'test'``).
        au_ids (Sequence[int]): AUs to read. Defaults to MCM's 8 AUs 1, 2,
            4, 6, 9, 12, 25, 26.
        threshold (int): occurrence = intensity >= threshold. Defaults to 2.
        img_prefix (str): frame folder. Defaults to ``'img'``.
        label_dir (str): label folder. Defaults to ``'ActionUnit_Labels'``.
        frame_offset (int): image number = frameIdx + frame_offset.
            Defaults to -1.
        missing_au (str): ``'error'`` or ``'unknown'``.
        subjects (Sequence[str], optional): explicit subjects.
        allow_missing_subjects (bool): if False (default), a requested
            (fold) subject without label files is an error; if True it is
            dropped with a logged warning.
        auto_generate (dict, optional): render a SynthFace DISFA-layout
            dataset first if absent (``generate_layout('disfa', ...)``).
        **kwargs: the arguments above and those of
            :class:`BaseFERDataset` (``domain``, ``pipeline``, ...), see
            :class:`AUFrameDataset`.

    Samples carry ``au_occ`` (K,) 0/1 (-1 unknown), ``au_int`` (K,)
    intensities 0-5 (NaN where unknown) and ``domain`` (``'disfa'``).
    """

    PROTOCOL = 'disfa'
    DOMAIN = 'disfa'
    LAYOUT = 'disfa'
    CODED_AUS = DISFA_CODED_AUS

    def __init__(self,
                 data_root: str,
                 *,
                 au_ids: Sequence[int] = DISFA_AUS,
                 threshold: int = 2,
                 img_prefix: str = 'img',
                 label_dir: str = 'ActionUnit_Labels',
                 frame_offset: int = -1,
                 missing_au: str = 'error',
                 modalities: Sequence[str] = ('rgb', ),
                 **kwargs):
        if missing_au not in ('error', 'unknown'):
            raise ValueError("missing_au must be 'error' or 'unknown', got "
                             f'{missing_au!r}')
        if tuple(modalities) != ('rgb', ):
            raise ValueError('DISFA has only RGB frames; modalities must be '
                             f"('rgb',), got {tuple(modalities)}")
        self.threshold = threshold
        self.img_prefix = img_prefix
        self.label_dir = label_dir
        self.frame_offset = int(frame_offset)
        self.missing_au = missing_au
        super().__init__(
            data_root, au_ids=au_ids, modalities=modalities, **kwargs)

    def _data_marker(self) -> str:
        return self.label_dir

    def _read_subject(self, subj: str) -> Dict[int, np.ndarray]:
        """frameIdx -> (K,) intensities (NaN = unknown) of one subject."""
        folder = osp.join(self.data_root, self.label_dir, subj)
        per_au, frames = {}, set()
        for au in self.au_ids:
            path = osp.join(folder, f'{subj}_au{au}.txt')
            if not osp.isfile(path):
                if self.missing_au == 'error':
                    raise FileNotFoundError(
                        f'DISFADataset: AU label file {path} is missing. '
                        f'Re-extract ActionUnit_Labels, drop AU{au} from '
                        "au_ids, or pass missing_au='unknown' to mark it "
                        'not coded (-1) for this subject.')
                continue
            per_au[au] = read_intensity_file(path)
            frames.update(per_au[au])
        if not per_au:
            raise FileNotFoundError(
                f'DISFADataset: no AU label file of AUs {self.au_ids} in '
                f'{folder}.')
        out = {}
        for idx in sorted(frames):
            out[idx] = np.array(
                [per_au[a].get(idx, np.nan) if a in per_au else np.nan
                 for a in self.au_ids], dtype=np.float32)
        return out

    def load_data_list(self) -> List[dict]:
        name = type(self).__name__
        label_root = osp.join(self.data_root, self.label_dir)
        if not osp.isdir(label_root):
            raise FileNotFoundError(
                f'{name}: label folder {label_root} not found. Point '
                'data_root at the DISFA root (holding ActionUnit_Labels).')
        img_root = resolve_prefix(self.data_root, self.img_prefix, ('img', ),
                                  'frame folder', name)
        subjects = [s for s in list_dirs(label_root) if s.startswith('SN')]
        self._restrict_subjects(subjects)
        if self.subjects is not None:
            subjects = [s for s in subjects if s in self.subjects]
        data_list, skipped = [], {}
        for subj in subjects:
            labels = self._read_subject(subj)
            index = index_frames(osp.join(img_root, subj))
            if not index:
                raise FileNotFoundError(
                    f'{name}: subject {subj} has labels but no frames in '
                    f'{osp.join(img_root, subj)}. Extract them with '
                    'tools/dataset_converters/disfa_extract_frames.py.')
            for idx, inten in labels.items():
                fname = index.get(idx + self.frame_offset)
                if fname is None:
                    skipped[subj] = skipped.get(subj, 0) + 1
                    continue
                occ = np.where(np.isnan(inten), -1,
                               (inten >= self.threshold).astype(int))
                data_list.append(
                    dict(
                        img_path=osp.join(img_root, subj, fname),
                        subject=subj,
                        frame=idx + self.frame_offset,
                        au_occ=occ.astype(int).tolist(),
                        au_int=inten.tolist()))
        self._warn_skipped(skipped, 'because the frame image is missing')
        return data_list
