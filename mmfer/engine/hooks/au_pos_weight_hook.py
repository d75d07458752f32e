"""Set WeightedBCELoss's positive weights from the training set."""
import numpy as np
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmfer.models.losses.weighted_bce_loss import (WeightedBCELoss,
                                                   log_au_weights)
from mmfer.registry import HOOKS


def dataset_au_frequencies(dataset) -> np.ndarray:
    """(K,) positive rate per AU of a dataset or a dataset wrapper.

    Uses ``get_au_frequencies()`` (``BaseFERDataset``), or combines the
    ``get_au_labels()`` of the parts of a ``ConcatDataset`` / the inner
    dataset of a ``RepeatDataset``-like wrapper.
    """
    if hasattr(dataset, 'get_au_frequencies'):
        return np.asarray(dataset.get_au_frequencies(), dtype=np.float64)
    labels = _au_labels(dataset)
    coded = labels >= 0
    return (labels == 1).sum(0) / np.maximum(coded.sum(0), 1)


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

    At ``before_train`` reads ``runner.train_dataloader.dataset.
    get_au_frequencies()`` and calls ``set_au_frequencies`` of every
    :class:`WeightedBCELoss` in the model created with
    ``pos_weight='auto'`` (losses with weights given in the config are left
    alone). The frequencies and weights are logged with the dataset's AU
    names. Runs again on resume, so the weights never go stale.

    Example config::

        custom_hooks = [dict(type='AUPosWeightHook')]
    """

    priority = 'NORMAL'

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
        freqs = dataset_au_frequencies(dataset)
        for loss in losses:
            weights = loss.set_au_frequencies(freqs)
        names = getattr(dataset, 'metainfo', {}).get('au_names') or \
            [str(i) for i in range(len(freqs))]
        log_au_weights([str(n) for n in names], freqs, weights)
