"""Drawing ground truth and predictions of FER / AU samples."""
from typing import Optional, Sequence

import cv2
import numpy as np
from mmengine.visualization import Visualizer

from mmfer.registry import VISUALIZERS


@VISUALIZERS.register_module()
class FERVisualizer(Visualizer):
    """Visualizer that annotates a face with expression and AU labels.

    :meth:`draw_fer_sample` writes, under the image, the ground-truth and
    predicted expression (with its score) and the AUs that are present /
    predicted, using ``classes`` and ``au_names`` of the dataset meta.
    """

    def draw_fer_sample(self,
                        image: np.ndarray,
                        data_sample,
                        classes: Optional[Sequence[str]] = None,
                        au_names: Optional[Sequence[str]] = None,
                        scale: int = 3) -> np.ndarray:
        """Return ``image`` (H, W, 3 RGB uint8) with a text panel below.

        Args:
            image (np.ndarray): (H, W, 3) RGB uint8.
            data_sample (FERDataSample): sample with labels/predictions.
            classes (Sequence[str], optional): expression names.
            au_names (Sequence[str], optional): AU names.
            scale (int): upscaling of small face crops for legibility.

        Returns:
            np.ndarray: (H', W', 3) RGB uint8.
        """
        img = cv2.resize(image, None, fx=scale, fy=scale,
                         interpolation=cv2.INTER_NEAREST)
        lines = []
        name = (lambda i: classes[i] if classes else str(i))
        if 'gt_label' in data_sample:
            lines.append(f'GT: {name(int(data_sample.gt_label))}')
        if 'pred_score' in data_sample:
            score = data_sample.pred_score
            idx = int(score.argmax())
            lines.append(f'Pred: {name(idx)} ({float(score[idx]):.2f})')
        aus = au_names or []
        if 'gt_au' in data_sample:
            on = [aus[i] if i < len(aus) else str(i)
                  for i in np.flatnonzero(data_sample.gt_au.numpy() == 1)]
            lines.append('GT AU: ' + (' '.join(on) or '-'))
        if 'pred_au' in data_sample:
            on = [aus[i] if i < len(aus) else str(i)
                  for i in np.flatnonzero(data_sample.pred_au.numpy() == 1)]
            lines.append('Pred AU: ' + (' '.join(on) or '-'))
        line_h = 16
        panel = np.full((line_h * len(lines) + 6, img.shape[1], 3), 255,
                        np.uint8)
        for i, text in enumerate(lines):
            cv2.putText(panel, text, (3, line_h * (i + 1)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                        cv2.LINE_AA)
        out = np.concatenate([img, panel], axis=0)
        self.set_image(out)
        return out
