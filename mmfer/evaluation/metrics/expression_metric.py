"""UAR / WAR / confusion matrix for single-label expression recognition."""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmfer.registry import METRICS


def confusion_matrix(gt: np.ndarray, pred: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """(num_classes, num_classes) counts; rows are ground truth."""
    idx = gt.astype(int) * num_classes + pred.astype(int)
    return np.bincount(
        idx, minlength=num_classes**2).reshape(num_classes, num_classes)


@METRICS.register_module()
class ExpressionMetric(BaseMetric):
    """Unweighted and weighted average recall of expression predictions.

    - ``UAR``: mean over classes of per-class recall (classes without
      samples in the split are excluded), the DFER benchmarks' main metric;
    - ``WAR``: overall accuracy;
    - per-class recall and the confusion matrix are logged as text.

    Values are percentages. Reads ``gt_label`` and ``pred_score`` (or
    ``pred_label``) of each data sample.

    Args:
        num_classes (int, optional): defaults to the dataset's ``classes``.
        collect_device (str): 'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): metric name prefix. Defaults to None.
    """

    default_prefix = 'expr'

    def __init__(self,
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_score' in sample:
                pred = int(sample['pred_score'].argmax())
            else:
                pred = int(sample['pred_label'])
            self.results.append((int(sample['gt_label']), pred))

    def compute_metrics(self, results: List) -> dict:
        gt, pred = np.asarray(results, dtype=int).T
        classes = (self.dataset_meta or {}).get('classes')
        num_classes = self.num_classes or (
            len(classes) if classes else int(max(gt.max(), pred.max()) + 1))
        cm = confusion_matrix(gt, pred, num_classes)
        support = cm.sum(1)
        recall = np.diag(cm) / np.maximum(support, 1)
        uar = recall[support > 0].mean() * 100
        war = np.diag(cm).sum() / max(cm.sum(), 1) * 100
        names = classes or [str(i) for i in range(num_classes)]
        logger = MMLogger.get_current_instance()
        logger.info('Per-class recall (%): ' + ', '.join(
            f'{n}={r * 100:.1f}' for n, r in zip(names, recall)))
        logger.info('Confusion matrix (rows: ground truth):\n' +
                    np.array2string(cm))
        return dict(UAR=float(uar), WAR=float(war))
