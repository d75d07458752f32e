"""Set WeightedBCELoss's positive weights from the training set."""
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmfer.models.losses.weighted_bce_loss import (WeightedBCELoss,
                                                   log_au_weights)
from mmfer.registry import HOOKS


STATISTICS = ('count', 'rate')


def dataset_au_frequencies(dataset, statistic: str = 'count') -> np.ndarray:
    """(K,) per-AU statistic of a dataset or a dataset wrapper for Eq. 4.

    MCM (Zhang et al., WACV 2024) Eq. 4:
    ``P(AU_k) = sum_i y_k^i / sum_i sum_k y_k^i``.

    Args:
        dataset: an AU dataset (``get_au_labels()``, labels in {-1, 0, 1},
            -1 = not coded), a ``ConcatDataset`` of them or a wrapper with
            ``.dataset``.
        statistic (str): ``'count'``: number of positive labels per AU,
            ``sum_i y_k^i`` of Eq. 4 as printed (uncoded labels are not
            positives). ``'rate'``: positives / coded labels per AU
            (``BaseFERDataset.get_au_frequencies()``). They give different
            Eq. 5 weights when AUs are coded in different numbers of
            frames. Defaults to 'count'.

    Returns:
        np.ndarray: (K,) float64.
    """
    if statistic not in STATISTICS:
        raise ValueError(f'statistic must be one of {STATISTICS}, got '
                         f'{statistic!r}')
    if statistic == 'rate' and hasattr(dataset, 'get_au_frequencies'):
        return np.asarray(dataset.get_au_frequencies(), dtype=np.float64)
    labels = _au_labels(dataset)  # (N, K) in {-1, 0, 1}
    positives = (labels == 1).sum(0).astype(np.float64)  # (K,)
    if statistic == 'count':
        return positives
    return positives / np.maximum((labels >= 0).sum(0), 1)


def _au_labels(dataset) -> np.ndarray:
    if hasattr(dataset, 'get_au_labels'):
        return np.asarray(dataset.get_au_labels())
    if hasattr(dataset, 'datasets'):
        return np.concatenate([_au_labels(d) for d in dataset.datasets])
    if hasattr(dataset, 'dataset'):
        return _au_labels(dataset.dataset)
    raise TypeError(
        f'{type(dataset).__name__} provides no AU labels '
        '(get_au_frequencies / get_au_labels); AUPosWeightHook needs an AU '
        'dataset such as BP4DDataset.')


@HOOKS.register_module()
class AUPosWeightHook(Hook):
    """Compute MCM's Eq. 4-5 weights from the training set before training.

    At ``before_train`` computes the per-AU statistic of
    ``runner.train_dataloader.dataset`` (:func:`dataset_au_frequencies`)
    and calls ``set_au_frequencies`` of every :class:`WeightedBCELoss` in
    the model created with ``pos_weight='auto'`` (losses with weights given
    in the config are left alone). The statistic and weights are logged
    with the dataset's AU names. Runs again on resume, so the weights never
    go stale.

    Args:
        statistic (str): ``'count'`` (positive labels per AU: Eq. 4 as
            printed) or ``'rate'`` (positives over coded labels per AU).
            With uncoded (-1) labels the two give different weights; see
            :func:`~mmfer.models.losses.au_positive_weights`. Defaults to
            'count'.

    Example config::

        custom_hooks = [dict(type='AUPosWeightHook')]
    """

    priority = 'NORMAL'

    def __init__(self, statistic: str = 'count'):
        if statistic not in STATISTICS:
            raise ValueError(f'AUPosWeightHook statistic must be one of '
                             f'{STATISTICS}, got {statistic!r}')
        self.statistic = statistic

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        losses = [
            m for m in model.modules()
            if isinstance(m, WeightedBCELoss) and m.auto
        ]
        if not losses:
            runner.logger.warning(
                "AUPosWeightHook: the model has no WeightedBCELoss with "
                "pos_weight='auto'; nothing to set.")
            return
        dataset = runner.train_dataloader.dataset
        freqs = dataset_au_frequencies(dataset, self.statistic)
        for loss in losses:
            weights = loss.set_au_frequencies(freqs)
        names = getattr(dataset, 'metainfo', {}).get('au_names') or \
            [str(i) for i in range(len(freqs))]
        log_au_weights([str(n) for n in names], freqs, weights,
                       statistic=self.statistic)
