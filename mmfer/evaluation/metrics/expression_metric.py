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
        """Collect ``(gt_label, predicted index)`` of each sample, checking
        both at once (so a bad label fails on the first batch, not after
        the whole run)."""
        num_classes = self._num_classes()
        for sample in data_samples:
            if 'pred_score' in sample:
                score = sample['pred_score']
                if num_classes is not None and score.numel() != num_classes:
                    raise ValueError(
                        f'ExpressionMetric: {self._describe(sample)} has '
                        f'{score.numel()} class scores but the dataset has '
                        f'{num_classes} classes {self._class_names()}. Set '
                        f'model.head.num_classes={num_classes} (or '
                        'ExpressionMetric num_classes) to match the dataset.')
                pred = int(score.argmax())
            else:
                pred = int(sample['pred_label'])
            self.results.append((self._gt_label(sample, num_classes), pred))

    def _num_classes(self) -> Optional[int]:
        classes = (self.dataset_meta or {}).get('classes')
        return self.num_classes or (len(classes) if classes else None)

    def _class_names(self) -> list:
        return list((self.dataset_meta or {}).get('classes') or ())

    @staticmethod
    def _describe(sample: dict) -> str:
        """``'sample 3 (.../a.png)'`` from the data sample's metainfo."""
        where = sample.get('img_path') or sample.get('clip_id')
        idx = sample.get('sample_idx', '?')
        return f'sample {idx}' + (f' ({where})' if where else '')

    def _gt_label(self, sample: dict, num_classes: Optional[int]) -> int:
        """The sample's expression label as an int, checked against the
        class count."""
        gt = sample.get('gt_label')
        if gt is None:
            raise ValueError(
                f'ExpressionMetric: {self._describe(sample)} has no '
                'gt_label, so UAR / WAR cannot be computed. Evaluate on a '
                'dataset with expression labels (every sample needs '
                'gt_label), or drop ExpressionMetric from val_evaluator / '
                'test_evaluator.')
        if getattr(gt, 'numel', lambda: 1)() != 1:
            raise ValueError(
                f'ExpressionMetric: {self._describe(sample)} has gt_label '
                f'{gt!r}, not a single class index; ExpressionMetric is '
                'for single-label expression recognition.')
        label = int(gt.item() if hasattr(gt, 'item') else gt)
        if num_classes is not None and not 0 <= label < num_classes:
            raise ValueError(
                f'ExpressionMetric: {self._describe(sample)} has gt_label '
                f'{label}, outside 0..{num_classes - 1} (classes '
                f'{self._class_names() or num_classes}). Fix the label in '
                'the val / test annotation (mmfer datasets check it at '
                'load time), or set num_classes / the dataset metainfo '
                'classes to the labels\' class count.')
        return label

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
