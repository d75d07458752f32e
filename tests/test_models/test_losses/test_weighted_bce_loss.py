"""WeightedBCELoss vs a hand computation of MCM Eq. 4-6; AUPosWeightHook."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmfer.engine.hooks import AUPosWeightHook
from mmfer.models.losses import WeightedBCELoss, au_positive_weights
from mmfer.registry import MODELS


def test_eq4_eq5_by_hand():
    y = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]])
    counts = y.sum(0)  # 3, 1, 2
    P = counts / y.sum()  # Eq. 4: 3/6, 1/6, 2/6
    np.testing.assert_allclose(au_positive_weights(counts), P / P.min())
    np.testing.assert_allclose(au_positive_weights(counts), [3, 1, 2])
    # counts scaled by one constant (here 1/N, all labels coded) give the
    # same weights: Eq. 4's denominator cancels in Eq. 5
    np.testing.assert_allclose(au_positive_weights(counts / 4), [3, 1, 2])
    np.testing.assert_allclose(
        au_positive_weights(counts, mode='inverse'), [1, 3, 1.5])
    np.testing.assert_allclose(au_positive_weights([0, 2, 4]), [0, 1, 2])
    with pytest.raises(ValueError, match='No AU has a positive'):
        au_positive_weights([0, 0])


def test_eq6_by_hand_and_unknown_labels_ignored():
    logits = torch.tensor([[0.5, -1.0, 2.0], [-0.3, 0.8, -2.0]])
    target = torch.tensor([[1., 0., -1.], [0., 1., 1.]])
    p = [3.0, 1.0, 2.0]
    loss = WeightedBCELoss(pos_weight=p)(logits, target)
    ref = 0.0
    for i in range(2):
        for k in range(3):
            y = target[i, k].item()
            if y == -1:
                continue  # unknown (e.g. BP4D code 9): no contribution
            s = 1 / (1 + math.exp(-logits[i, k].item()))
            ref -= p[k] * y * math.log(s) + (1 - y) * math.log(1 - s)
    assert loss.item() == pytest.approx(ref / 2, rel=1e-6)  # 1/N, N=2
    # changing an unknown entry's logit does not change the loss
    logits2 = logits.clone()
    logits2[0, 2] = -50
    assert WeightedBCELoss(pos_weight=p)(logits2, target).item() == \
        pytest.approx(loss.item(), rel=1e-6)


def test_from_frequencies_and_auto():
    loss = WeightedBCELoss(au_frequencies=[0.1, 0.4])
    torch.testing.assert_close(loss.pos_weight, torch.tensor([1.0, 4.0]))
    auto = WeightedBCELoss(pos_weight='auto')
    with pytest.raises(RuntimeError, match='AUPosWeightHook'):
        auto(torch.zeros(1, 2), torch.zeros(1, 2))
    plain = WeightedBCELoss()
    assert plain(torch.zeros(2, 2), torch.ones(2, 2)).item() == \
        pytest.approx(2 * math.log(2))
    with pytest.raises(ValueError, match="'auto'"):
        WeightedBCELoss(pos_weight='freq')


def test_hook_sets_weights_from_the_training_set():
    model = MODELS.build(
        dict(type='AUClsHead', num_classes=3, in_channels=8,
             loss=dict(type='WeightedBCELoss', pos_weight='auto')))
    fixed = MODELS.build(
        dict(type='AUClsHead', num_classes=3, in_channels=8,
             loss=dict(type='WeightedBCELoss', pos_weight=[1, 1, 1])))
    # 10 frames, all coded: positives 2, 1, 5 (Eq. 4 counts)
    labels = np.zeros((10, 3), dtype=int)
    labels[:2, 0] = labels[:1, 1] = labels[:5, 2] = 1
    dataset = SimpleNamespace(
        get_au_labels=lambda: labels,
        metainfo=dict(au_names=['AU1', 'AU2', 'AU4']))
    logger = SimpleNamespace(warning=lambda msg: None)
    for head, expected in ((model, [2, 1, 5]), (fixed, [1, 1, 1])):
        runner = SimpleNamespace(model=head, logger=logger,
                                 train_dataloader=SimpleNamespace(
                                     dataset=dataset))
        AUPosWeightHook().before_train(runner)
        torch.testing.assert_close(head.loss_module.pos_weight,
                                   torch.tensor(expected, dtype=torch.float))


@pytest.mark.parametrize(
    'make', [list, np.array, torch.tensor,
             lambda w: torch.tensor(w, dtype=torch.float64)],
    ids=['list', 'ndarray', 'tensor', 'tensor64'])
def test_pos_weight_accepts_arrays(make):
    loss = WeightedBCELoss(pos_weight=make([2.0, 1.0, 0.5]))
    assert not loss.auto
    torch.testing.assert_close(loss.pos_weight,
                               torch.tensor([2.0, 1.0, 0.5]))
    freq = WeightedBCELoss(au_frequencies=make([0.1, 0.2, 0.4]))
    torch.testing.assert_close(freq.pos_weight,
                               torch.tensor([1.0, 2.0, 4.0]))
    logits = torch.tensor([[0.3, -0.2, 1.0]])
    target = torch.tensor([[1., 1., 0.]])
    assert loss(logits, target).item() == pytest.approx(
        WeightedBCELoss(pos_weight=[2.0, 1.0, 0.5])(logits, target).item())


def test_pos_weight_rejects_bad_arrays():
    with pytest.raises(ValueError, match='1-D'):
        WeightedBCELoss(pos_weight=np.ones((2, 2)))
    with pytest.raises(ValueError, match='non-negative'):
        WeightedBCELoss(pos_weight=torch.tensor([1.0, -1.0]))
