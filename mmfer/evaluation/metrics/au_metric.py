"""Per-AU F1, mean F1 and accuracy of multi-label AU detection."""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmfer.registry import METRICS


def au_display_name(name) -> str:
    """``1`` / ``'1'`` / ``'AU1'`` -> ``'AU1'``."""
    name = str(name)
    return name if name.upper().startswith('AU') else f'AU{name}'


def _get(sample, key):
    return sample[key] if isinstance(sample, dict) else getattr(sample, key)


@METRICS.register_module()
class AUMetric(BaseMetric):
    """F1 score of every AU at a probability threshold, their mean, accuracy.

    The evaluation of MCM (Zhang et al., WACV 2024, Sec. 4.1, Tables 1-4)
    and of the BP4D / DISFA literature: per AU k, with predictions
    ``score >= threshold``, :math:`F1_k = 2TP / (2TP + FP + FN)` over the
    frames whose label of AU k is known; frames with an unknown label (-1,
    e.g. BP4D's code 9) are excluded for that AU only. ``F1_mean`` is the
    mean over AUs (the tables' "Avg"); ``accuracy`` is the mean over AUs of
    the per-AU accuracy. Values are percentages. An AU without any known
    label in the split is reported as NaN and left out of the means.

    Returned scalars (logged and written to ``scalars.json``):
    ``F1_<AU name>`` for every AU (names from ``dataset_meta['au_names']``,
    e.g. ``F1_AU1``), ``F1_mean`` and ``accuracy``; a per-AU table (F1,
    accuracy, positives) is logged as text.

    Reads ``gt_au`` and ``pred_au_score`` of each data sample
    (:class:`mmfer.models.heads.AUClsHead` sets the latter).

    Args:
        threshold (float): decision threshold. Defaults to 0.5.
        au_names (Sequence, optional): overrides the dataset's names.
        collect_device (str): 'cpu' or 'gpu'.
        prefix (str, optional): defaults to ``'au'``.

    Examples:
        >>> import torch
        >>> m = AUMetric(au_names=[1, 2])
        >>> m.process(None, [dict(gt_au=torch.tensor([1., -1.]),
        ...                       pred_au_score=torch.tensor([.9, .2]))])
        >>> m.compute_metrics(m.results)['F1_AU1']
        100.0
    """

    default_prefix = 'au'

    def __init__(self,
                 threshold: float = 0.5,
                 au_names: Optional[Sequence] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.threshold = threshold
        self.au_names = None if au_names is None else list(au_names)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            score = _get(sample, 'pred_au_score')
            gt = _get(sample, 'gt_au')
            self.results.append((np.asarray(score.cpu(), np.float64),
                                 np.asarray(gt.cpu(), np.float64)))

    def compute_metrics(self, results: List) -> dict:
        scores = np.stack([r[0] for r in results])  # (N, K)
        gts = np.stack([r[1] for r in results])  # (N, K)
        pred = scores >= self.threshold
        K = gts.shape[1]
        names = self.au_names or (self.dataset_meta or {}).get('au_names')
        names = [au_display_name(n) for n in names] if names else \
            [f'AU{i}' for i in range(K)]
        if len(names) != K:
            raise ValueError(f'{len(names)} AU names {names} for {K} AU '
                             'labels per sample')
        f1 = np.full(K, np.nan)
        acc = np.full(K, np.nan)
        npos = np.zeros(K, int)
        for k in range(K):
            valid = gts[:, k] >= 0
            if not valid.any():
                continue
            y, p = gts[valid, k] == 1, pred[valid, k]
            tp = np.sum(y & p)
            denom = 2 * tp + np.sum(~y & p) + np.sum(y & ~p)
            f1[k] = 100.0 * 2 * tp / denom if denom else 0.0
            acc[k] = 100.0 * np.mean(y == p)
            npos[k] = y.sum()
        logger = MMLogger.get_current_instance()
        logger.info('AU detection (threshold %.2f):\n' % self.threshold +
                    '\n'.join(f'{n:>6s}  F1={f:6.2f}  acc={a:6.2f}  '
                              f'positives={c}'
                              for n, f, a, c in zip(names, f1, acc, npos)))
        metrics = {f'F1_{n}': float(v) for n, v in zip(names, f1)}
        metrics['F1_mean'] = float(np.nanmean(f1)) if not np.isnan(
            f1).all() else float('nan')
        metrics['accuracy'] = float(np.nanmean(acc)) if not np.isnan(
            acc).all() else float('nan')
        return metrics
