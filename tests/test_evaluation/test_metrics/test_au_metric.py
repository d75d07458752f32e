"""AUMetric vs sklearn's f1_score, unknown labels excluded per AU."""
import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score

from mmfer.evaluation.metrics import AUMetric


def test_matches_sklearn_with_unknown_labels_excluded():
    rng = np.random.default_rng(0)
    N, K = 200, 4
    gt = rng.integers(0, 2, (N, K)).astype(float)
    gt[rng.random((N, K)) < 0.2] = -1  # not coded
    scores = rng.random((N, K))
    metric = AUMetric()
    metric.dataset_meta = dict(au_names=['AU1', 'AU2', 4, '6'])
    metric.process(None, [
        dict(gt_au=torch.tensor(g), pred_au_score=torch.tensor(s))
        for g, s in zip(gt, scores)
    ])
    out = metric.compute_metrics(metric.results)
    names = ['AU1', 'AU2', 'AU4', 'AU6']
    f1s, accs = [], []
    for k, name in enumerate(names):
        valid = gt[:, k] != -1
        f1 = 100 * f1_score(gt[valid, k], scores[valid, k] >= 0.5)
        acc = 100 * accuracy_score(gt[valid, k], scores[valid, k] >= 0.5)
        assert out[f'F1_{name}'] == pytest.approx(f1)
        f1s.append(f1)
        accs.append(acc)
    assert out['F1_mean'] == pytest.approx(np.mean(f1s))
    assert out['accuracy'] == pytest.approx(np.mean(accs))


def test_threshold_and_unlabelled_au():
    metric = AUMetric(threshold=0.7, au_names=[1, 2])
    metric.process(None, [
        dict(gt_au=torch.tensor([1., -1.]),
             pred_au_score=torch.tensor([0.6, 0.9])),
        dict(gt_au=torch.tensor([1., -1.]),
             pred_au_score=torch.tensor([0.8, 0.1]))])
    out = metric.compute_metrics(metric.results)
    assert out['F1_AU1'] == pytest.approx(100 * 2 / 3)  # tp=1, fn=1
    assert np.isnan(out['F1_AU2'])  # no known label: left out of the mean
    assert out['F1_mean'] == pytest.approx(100 * 2 / 3)
