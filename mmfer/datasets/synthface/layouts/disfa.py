"""DISFA layout (see ``DATASETS.md``).

::

    DIR/Videos_LeftCamera/LeftVideo<SN>_comp.avi     MJPG (XVID fallback)
    DIR/Video_RightCamera/RightVideo<SN>_comp.avi    right_camera=True
    DIR/ActionUnit_Labels/<SN>/<SN>_au<k>.txt        "frameIdx,intensity"
                                                     1-based, ints 0-5
    DIR/img/<SN>/<t>.png                             extract_frames=True
                                                     (0-based, unpadded)

A subject's video is a sequence of expression episodes (``episode``
frames each) cut to ``frames`` frames.
"""
import math

import numpy as np

from ..constants import EXPRESSIONS
from ..seeding import STREAM_CLIP, make_rng
from ..video import render_clip
from .base import LayoutWriter, au_column, round_robin
from .io import write_lines, write_rgb, write_video

DISFA_PARTS = (
    'SN002 SN010 SN001 SN026 SN027 SN032 SN030 SN009 SN016'.split(),
    'SN013 SN018 SN011 SN028 SN012 SN006 SN031 SN021 SN024'.split(),
    'SN003 SN029 SN023 SN025 SN008 SN005 SN007 SN017 SN004'.split(),
)
DISFA_AUS = (1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26)
VIDEO_FOURCCS = ('MJPG', 'XVID')
RIGHT_CAMERA_YAW = 20.0


class DISFALayout(LayoutWriter):
    """``--layout disfa``."""
    name = 'disfa'
    defaults = dict(subjects=3, frames=48, episode=24, size=112, seed=0,
                    fps=20, right_camera=False, extract_frames=False,
                    domain='lab')

    def subject_ids(self, n):
        return round_robin(DISFA_PARTS, n)

    def _video(self, index, sid, yaw_offset):
        a = self.args
        subj = self.subject(index, sid)
        rgb, au = [], []
        for k in range(math.ceil(a['frames'] / a['episode'])):
            rng = make_rng(a['seed'], STREAM_CLIP, index, k)
            expr = EXPRESSIONS[int(rng.integers(len(EXPRESSIONS)))]
            clip = render_clip(self.renderer, subj, expr, a['episode'],
                               a['domain'], rng, modalities=('rgb', ),
                               yaw_offset=yaw_offset)
            rgb.append(clip['rgb'])
            au.append(clip['au_int'])
        n = a['frames']
        return np.concatenate(rgb)[:n], np.concatenate(au)[:n]

    def write_subject(self, root, index, sid):
        a = self.args
        rgb, au = self._video(index, sid, 0.0)
        codec = write_video(root / 'Videos_LeftCamera' /
                            f'LeftVideo{sid}_comp.avi', rgb, a['fps'],
                            VIDEO_FOURCCS)
        if a['right_camera']:
            right, _ = self._video(index, sid, RIGHT_CAMERA_YAW)
            write_video(root / 'Video_RightCamera' /
                        f'RightVideo{sid}_comp.avi', right, a['fps'],
                        VIDEO_FOURCCS)
        for k in DISFA_AUS:
            lvl = np.clip(np.rint(au_column(au, k)), 0, 5).astype(int)
            write_lines(root / 'ActionUnit_Labels' / sid / f'{sid}_au{k}.txt',
                        [f'{t + 1},{v}' for t, v in enumerate(lvl)])
        if a['extract_frames']:
            for t, frame in enumerate(rgb):
                write_rgb(root / 'img' / sid / f'{t}.png', frame)
        return [codec]

    def finalize(self, root, results):
        return dict(video_fourcc=results[0][0], disfa_aus=list(DISFA_AUS))
