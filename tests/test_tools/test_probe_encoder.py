"""tools/analysis_tools/probe_encoder.py: the frozen-feature linear probe."""

import pytest
import torch

from tool_scripts import load_tool


def _load():
    return load_tool('analysis_tools', 'probe_encoder.py')


tool = _load()


def test_probe_separates_linear_classes_and_is_scale_free():
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(4, 16, generator=g) * 3
    y = torch.arange(4).repeat_interleave(50)
    x = centres[y] + torch.randn(200, 16, generator=g)
    predict = tool.fit_probe(x * 1000 + 5, y, 4)   # standardised inside
    xt = centres[y] + torch.randn(200, 16, generator=g)
    assert (predict(xt * 1000 + 5) == y).float().mean() > 0.95


def test_probe_of_noise_features_stays_at_chance():
    g = torch.Generator().manual_seed(1)
    y = torch.arange(4).repeat_interleave(100)
    predict = tool.fit_probe(torch.randn(400, 8, generator=g), y, 4)
    acc = (predict(torch.randn(400, 8, generator=g)) == y).float().mean()
    assert 0.15 < acc < 0.35


def test_one_source_dataset_only():
    with pytest.raises(ValueError, match='one source dataset'):
        tool.dataset_with_test_pipeline(dict(type='ConcatDataset'), [])
