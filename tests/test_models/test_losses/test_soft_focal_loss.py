"""SoftFocalLoss / FocalLoss (CM-CNN Sec. III-E, Eq. 5) against hand
computations, CE, and inside an mmpretrain head."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmfer.models.losses import FocalLoss, SoftFocalLoss
from mmfer.models.losses.soft_focal_loss import gaussian_soft_labels
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample


def test_hand_computed_three_classes():
    # K = 3, label 0, 'normalized' positions x = (0, 0.5, 1), sigma = 0.5:
    #   q_k ~ exp(-(x_k - 0)^2 / (2 * 0.25)) = (1, e^-0.5, e^-2)
    #       = (1, 0.606531, 0.135335) / 1.741866
    #       = (0.574097, 0.348207, 0.077696)
    # logits (1, 0, -1): p = (e, 1, 1/e) / 4.086161
    #       = (0.665241, 0.244728, 0.090031)
    # FL = -sum_k q_k (1 - p_k)^2 log p_k, gamma = 2, alpha = 1
    #    = -(0.574097 * 0.334759^2 * log 0.665241
    #        + 0.348207 * 0.755272^2 * log 0.244728
    #        + 0.077696 * 0.909969^2 * log 0.090031)
    #    = 0.026223 + 0.279592 + 0.154894 = 0.460710
    q = gaussian_soft_labels(torch.tensor([0]), 3, sigma=0.5)
    assert torch.allclose(q, torch.tensor([[0.574097, 0.348207, 0.077696]]),
                          atol=1e-6)
    logits = torch.tensor([[1.0, 0.0, -1.0]])
    loss = SoftFocalLoss(gamma=2.0, sigma=0.5)(logits, torch.tensor([0]))
    assert loss.item() == pytest.approx(0.460710, abs=1e-6)
    # hard label: -(1 - 0.665241)^2 log 0.665241 = 0.045678
    hard = FocalLoss(gamma=2.0)(logits, torch.tensor([0]))
    assert hard.item() == pytest.approx(0.045678, abs=1e-6)
    # alpha scales, loss_weight scales
    assert SoftFocalLoss(alpha=0.5, sigma=0.5, loss_weight=2.0)(
        logits, torch.tensor([0])).item() == pytest.approx(0.460710, abs=1e-6)


def test_label_positions_normalized_vs_index():
    """sigma = 0.1 on indices is one-hot (e^-50); normalised positions give
    the neighbours e^-2 of the label's weight (K = 6)."""
    labels = torch.tensor([2])
    q_norm = gaussian_soft_labels(labels, 6, 0.1, 'normalized')
    assert (q_norm[0, 1] / q_norm[0, 2]).item() == pytest.approx(
        math.exp(-2), rel=1e-5)
    assert q_norm.sum().item() == pytest.approx(1.0, abs=1e-6)
    q_idx = gaussian_soft_labels(labels, 6, 0.1, 'index')
    assert (q_idx[0, 1] / q_idx[0, 2]).item() == pytest.approx(
        math.exp(-50), rel=1e-4)
    torch.manual_seed(0)
    logits, y = torch.randn(8, 6), torch.randint(0, 6, (8, ))
    focal = FocalLoss()(logits, y)
    assert torch.allclose(
        SoftFocalLoss(label_positions='index')(logits, y), focal, atol=1e-6)
    assert not torch.allclose(SoftFocalLoss()(logits, y), focal, atol=1e-3)
    with pytest.raises(ValueError, match="'normalized' or 'index'"):
        SoftFocalLoss(label_positions='linear')


def test_gamma_zero_is_cross_entropy():
    torch.manual_seed(0)
    logits, y = torch.randn(5, 4), torch.randint(0, 4, (5, ))
    ce = F.cross_entropy(logits, y)
    assert torch.allclose(FocalLoss(gamma=0.0)(logits, y), ce, atol=1e-6)
    mmpre_ce = MODELS.build(dict(type='mmpretrain.CrossEntropyLoss'))
    assert torch.allclose(FocalLoss(gamma=0.0)(logits, y), mmpre_ce(logits, y),
                          atol=1e-6)
    # soft labels with gamma = 0: CE against q
    q = gaussian_soft_labels(y, 4)
    expected = -(q * F.log_softmax(logits, 1)).sum(1).mean()
    assert torch.allclose(SoftFocalLoss(gamma=0.0)(logits, y), expected,
                          atol=1e-6)


def test_targets_reduction_weight_avg_factor():
    torch.manual_seed(0)
    logits, y = torch.randn(4, 3), torch.tensor([0, 1, 2, 1])
    loss = SoftFocalLoss(sigma=0.5)
    per = loss(logits, y, reduction_override='none')
    assert per.shape == (4, )
    assert torch.allclose(loss(logits, y), per.mean())
    assert torch.allclose(
        loss(logits, y, reduction_override='sum'), per.sum())
    w = torch.tensor([1.0, 0.0, 2.0, 1.0])
    assert torch.allclose(
        loss(logits, y, weight=w, avg_factor=2.0), (per * w).sum() / 2)
    # (B, K) targets are used as given: one-hot = hard focal
    one_hot = F.one_hot(y, 3).float()
    assert torch.allclose(loss(logits, one_hot), FocalLoss()(logits, y))
    with pytest.raises(ValueError, match=r'labels must be in \[0, 2\]'):
        loss(logits, torch.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match='do not fit scores'):
        loss(logits, torch.zeros(4, 5))


@pytest.mark.parametrize('gamma', [0.0, 0.5, 2.0])
def test_gradient_finite_for_saturated_logits(gamma):
    logits = torch.tensor([[1e4, -1e4, 0.0], [-50.0, 50.0, 0.0]],
                          requires_grad=True)
    loss = SoftFocalLoss(gamma=gamma)(logits, torch.tensor([0, 0]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert logits.grad.abs().sum() > 0


def test_mmpretrain_head_builds_it_in_mmfer_scope():
    head = MODELS.build(
        dict(
            type='mmpretrain.LinearClsHead',
            num_classes=6,
            in_channels=8,
            loss=dict(type='SoftFocalLoss', gamma=2.0)))
    assert isinstance(head.loss_module, SoftFocalLoss)
    torch.manual_seed(0)
    feats = (torch.randn(3, 8), )
    samples = [FERDataSample().set_gt_label(i) for i in (0, 3, 5)]
    expected = SoftFocalLoss()(head(feats), torch.tensor([0, 3, 5]))
    assert torch.allclose(head.loss(feats, samples)['loss'], expected)
    # the mmfer FocalLoss is the softmax form, distinct from mmpretrain's
    assert isinstance(MODELS.build(dict(type='FocalLoss')), FocalLoss)
