"""Save annotated test images (``tools/test.py --show-dir``)."""
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
from mmengine.utils import mkdir_or_exist
from mmengine.hooks import Hook

from mmfer.registry import HOOKS
from mmfer.visualization import FERVisualizer


@HOOKS.register_module()
class FERVisualizationHook(Hook):
    """Draw each test sample's labels and predictions and save a PNG.

    Args:
        enable (bool): whether to draw. Defaults to False.
        out_dir (str, optional): output folder; relative paths are inside
            the run's ``work_dir/<timestamp>``.
        interval (int): draw every ``interval``-th sample. Defaults to 1.
    """

    priority = 'LOW'

    def __init__(self,
                 enable: bool = False,
                 out_dir: Optional[str] = None,
                 interval: int = 1):
        self.enable = enable
        self.out_dir = out_dir
        self.interval = interval
        self._count = 0

    def before_test(self, runner) -> None:
        if self.enable:
            if self.out_dir is None:
                self.out_dir = 'vis'
            if not osp.isabs(self.out_dir):
                self.out_dir = osp.join(runner.log_dir, self.out_dir)
            mkdir_or_exist(self.out_dir)
            self._vis = FERVisualizer(name='fer_vis_hook')

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if not self.enable or not outputs:
            return
        meta = runner.test_dataloader.dataset.metainfo
        for sample in outputs:
            self._count += 1
            if (self._count - 1) % self.interval:
                continue
            path = sample.metainfo.get('img_path')
            if path is None or not osp.isfile(path):
                continue
            image = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
            drawn = self._vis.draw_fer_sample(image, sample,
                                              meta.get('classes'),
                                              meta.get('au_names'))
            name = osp.splitext(osp.basename(path))[0]
            subject = sample.metainfo.get('subject', '')
            out = osp.join(self.out_dir,
                           f'{subject}_{name}.png' if subject else
                           f'{name}.png')
            cv2.imwrite(out, cv2.cvtColor(np.ascontiguousarray(drawn),
                                          cv2.COLOR_RGB2BGR))
