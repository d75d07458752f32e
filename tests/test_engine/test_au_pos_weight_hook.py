"""AUPosWeightHook: MCM Eq. 4 from positive counts (default) or from rates
over coded labels, on labels with uncoded (-1) entries."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmfer.engine.hooks import AUPosWeightHook
from mmfer.engine.hooks.au_pos_weight_hook import dataset_au_frequencies
from mmfer.registry import MODELS

# 10 frames x 3 AUs. AU1: 4 positives in 10 coded frames. AU2: 2 positives,
# but coded in only 5 frames (5 x -1). AU4: 2 positives in 10 coded frames.
LABELS = np.zeros((10, 3), dtype=int)
LABELS[:4, 0] = 1
LABELS[:2, 1] = 1
LABELS[5:, 1] = -1
LABELS[:2, 2] = 1


def _dataset(labels=LABELS):
    return SimpleNamespace(get_au_labels=lambda: labels,
                           metainfo=dict(au_names=['AU1', 'AU2', 'AU4']))


def _run_hook(dataset, **kwargs):
    head = MODELS.build(
        dict(type='AUClsHead', num_classes=3, in_channels=8,
             loss=dict(type='WeightedBCELoss', pos_weight='auto')))
    runner = SimpleNamespace(
        model=head, logger=SimpleNamespace(warning=lambda msg: None),
        train_dataloader=SimpleNamespace(dataset=dataset))
    AUPosWeightHook(**kwargs).before_train(runner)
    return head.loss_module.pos_weight


def test_eq4_counts_positives_by_hand():
    counts = dataset_au_frequencies(_dataset())
    np.testing.assert_array_equal(counts, [4, 2, 2])
    # Eq. 4: P = counts / sum(y) = (4, 2, 2) / 8; Eq. 5: P / min P
    P = counts / 8
    torch.testing.assert_close(
        _run_hook(_dataset()), torch.tensor(P / P.min(), dtype=torch.float))
    torch.testing.assert_close(_run_hook(_dataset()),
                               torch.tensor([2.0, 1.0, 1.0]))


def test_rate_option_differs_with_uncoded_labels():
    rates = dataset_au_frequencies(_dataset(), 'rate')
    np.testing.assert_allclose(rates, [4 / 10, 2 / 5, 2 / 10])
    by_rate = _run_hook(_dataset(), statistic='rate')
    torch.testing.assert_close(by_rate, torch.tensor([2.0, 2.0, 1.0]))
    by_count = _run_hook(_dataset())
    # AU2, coded in half the frames, gets twice the weight from rates
    assert by_rate[1].item() / by_count[1].item() == pytest.approx(2.0)
    # the other AUs agree
    torch.testing.assert_close(by_rate[[0, 2]], by_count[[0, 2]])


def test_count_and_rate_agree_when_every_label_is_coded():
    coded = LABELS.copy()
    coded[coded < 0] = 0
    torch.testing.assert_close(_run_hook(_dataset(coded)),
                               _run_hook(_dataset(coded), statistic='rate'))


def test_rate_uses_the_dataset_method_and_wrappers():
    ds = SimpleNamespace(get_au_frequencies=lambda: np.array([0.5, 0.25]))
    np.testing.assert_allclose(dataset_au_frequencies(ds, 'rate'),
                               [0.5, 0.25])
    concat = SimpleNamespace(datasets=[_dataset(), _dataset()])
    np.testing.assert_array_equal(dataset_au_frequencies(concat), [8, 4, 4])
    with pytest.raises(TypeError, match='no AU labels'):
        dataset_au_frequencies(SimpleNamespace())


def test_bad_statistic():
    with pytest.raises(ValueError, match="'count', 'rate'"):
        AUPosWeightHook(statistic='mean')
    with pytest.raises(ValueError, match='statistic'):
        dataset_au_frequencies(_dataset(), 'mean')
