"""ExpressionMetric refuses a bad label or a head of the wrong width on the
first process() call (issue 13), not after the whole test run."""
import pytest
import torch

from mmfer.evaluation.metrics import ExpressionMetric
from mmfer.structures import FERDataSample

CLASSES = ('anger', 'happiness', 'neutral')


def _sample(idx, gt=None, num_scores=3):
    sample = FERDataSample()
    sample.set_metainfo(
        dict(sample_idx=idx, img_path=f'/data/faces/{idx:03d}.png'))
    if gt is not None:
        sample.set_gt_label(gt)
    sample.set_pred_score(torch.eye(num_scores)[idx % num_scores])
    return sample.to_dict()


def _metric():
    metric = ExpressionMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    return metric


@pytest.mark.parametrize('gt', [9, 3])
def test_label_outside_the_classes_fails_on_first_batch(gt):
    metric = _metric()
    with pytest.raises(ValueError) as info:
        metric.process(None, [_sample(0, 0), _sample(1, gt)])
    msg = str(info.value)
    assert (f'ExpressionMetric: sample 1 (/data/faces/001.png) has gt_label '
            f'{gt}, outside 0..2 (classes {list(CLASSES)})') in msg
    assert 'Fix the label in the val / test annotation' in msg
    assert metric.results == [(0, 0)]  # nothing after the bad sample


def test_missing_label_names_the_sample_and_the_evaluator():
    with pytest.raises(ValueError) as info:
        _metric().process(None, [_sample(4)])
    msg = str(info.value)
    assert 'sample 4 (/data/faces/004.png) has no gt_label' in msg
    assert 'drop ExpressionMetric from val_evaluator' in msg


def test_head_width_differs_from_the_dataset_classes():
    with pytest.raises(ValueError) as info:
        _metric().process(None, [_sample(0, 0, num_scores=7)])
    msg = str(info.value)
    assert 'has 7 class scores but the dataset has 3 classes' in msg
    assert 'model.head.num_classes=3' in msg


def test_good_samples_give_the_metric():
    metric = _metric()
    metric.process(None, [_sample(i, i % 3) for i in range(6)])
    assert metric.compute_metrics(metric.results) == dict(UAR=100.0,
                                                          WAR=100.0)
