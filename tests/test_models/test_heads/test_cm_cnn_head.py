"""CMCNNClsHead (CM-CNN Eq. 4): F = sigma(PReLU(Fc1(f_v))); trained on the
pre-sigma scores, predictions readable by mmfer's and mmpretrain's
metrics."""
import pytest
import torch
import torch.nn.functional as F

from mmfer.evaluation.metrics import ExpressionMetric
from mmfer.models.heads import CMCNNClsHead
from mmfer.models.losses import SoftFocalLoss
from mmfer.registry import METRICS
from mmfer.structures import FERDataSample


def _head(**kwargs):
    torch.manual_seed(0)
    return CMCNNClsHead(in_channels=12, **kwargs)


def test_forward_is_prelu_of_fc():
    head = _head()
    x = torch.randn(4, 12)
    z = x @ head.fc.weight.T + head.fc.bias
    a = head.act.weight
    expected = torch.where(z >= 0, z, a * z)  # PReLU
    assert torch.allclose(head((x, )), expected, atol=1e-6)
    assert torch.allclose(head(x), expected, atol=1e-6)
    assert head((x, )).shape == (4, 6)


@pytest.mark.parametrize('activation', ['sigmoid', 'softmax', None])
def test_predict_scores_and_labels(activation):
    head = _head(activation=activation)
    x = torch.randn(5, 12)
    logits = head(x)
    samples = head.predict((x, ))
    scores = torch.stack([s.pred_score for s in samples])
    if activation == 'sigmoid':  # Eq. 4 as printed
        assert torch.allclose(scores, torch.sigmoid(logits))
    elif activation == 'softmax':
        assert torch.allclose(scores, torch.softmax(logits, 1))
        assert torch.allclose(scores.sum(1), torch.ones(5))
    else:
        assert torch.allclose(scores, logits)
    labels = torch.cat([s.pred_label for s in samples])
    assert torch.equal(labels, logits.argmax(1))
    assert isinstance(samples[0], FERDataSample)


def test_loss_on_pre_sigma_scores_and_metrics_read_predictions():
    head = _head()
    x = torch.randn(4, 12)
    top = head(x).argmax(1).tolist()
    gts = [top[0], top[1], (top[2] + 1) % 6, (top[3] + 1) % 6]  # 50 % right
    samples = [FERDataSample().set_gt_label(y) for y in gts]
    loss = head.loss((x, ), samples)['loss']
    # the loss's softmax runs on PReLU(Fc1(f_v)), not on the sigmoid scores
    assert torch.allclose(loss, SoftFocalLoss()(head(x), torch.tensor(gts)))
    assert isinstance(head.loss_module, SoftFocalLoss)
    ce_head = _head(loss=dict(type='mmpretrain.CrossEntropyLoss'))
    assert torch.allclose(
        ce_head.loss((x, ), samples)['loss'],
        F.cross_entropy(ce_head(x), torch.tensor(gts)))
    preds = head.predict((x, ), samples)
    metric = ExpressionMetric(num_classes=6)
    metric.process(None, [p.to_dict() for p in preds])
    assert metric.compute_metrics(metric.results)['WAR'] == 50.0
    acc = METRICS.build(dict(type='mmpretrain.Accuracy'))
    acc.process(None, [p.to_dict() for p in preds])
    assert acc.compute_metrics(acc.results)['top1'] == 50.0
    with_acc = _head(cal_acc=True)
    assert 'accuracy_top-1' in with_acc.loss((x, ), samples)


def test_bad_arguments():
    with pytest.raises(ValueError, match='activation must be one of'):
        CMCNNClsHead(in_channels=4, activation='tanh')
    with pytest.raises(ValueError, match=r'in_channels=12\) got features '
                       r'of shape \(2, 8\)'):
        _head()(torch.randn(2, 8))
