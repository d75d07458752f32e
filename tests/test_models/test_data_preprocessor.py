import pytest
import torch

from mmfer.models import FERDataPreprocessor
from mmfer.structures import FERDataSample


def test_normalises_any_channel_count():
    pre = FERDataPreprocessor(mean=[10, 20, 30, 40, 50], std=[1, 2, 1, 2, 1])
    imgs = [torch.full((5, 4, 4), 60, dtype=torch.uint8) for _ in range(2)]
    out = pre(dict(inputs=imgs, data_samples=[FERDataSample()] * 2))
    x = out['inputs']
    assert x.shape == (2, 5, 4, 4) and x.dtype == torch.float32
    assert x[0, :, 0, 0].tolist() == [50, 20, 30, 10, 10]


def test_clip_inputs_normalise_channel_axis():
    pre = FERDataPreprocessor(mean=[1, 2, 3], std=[1, 1, 1])
    clips = [torch.zeros(4, 3, 2, 2) for _ in range(3)]  # (T, C, H, W)
    x = pre(dict(inputs=clips))['inputs']
    assert x.shape == (3, 4, 3, 2, 2)
    assert x[0, 0, :, 0, 0].tolist() == [-1, -2, -3]


def test_dict_inputs_per_key():
    pre = FERDataPreprocessor(
        mean=dict(video=[0, 0, 0]), std=dict(video=[255, 255, 255]))
    data = dict(inputs=dict(
        video=[torch.full((2, 3, 4, 4), 255, dtype=torch.uint8)] * 2,
        audio=[torch.ones(1, 8, 4)] * 2))
    out = pre(data)['inputs']
    assert out['video'].shape == (2, 2, 3, 4, 4)
    assert torch.all(out['video'] == 1)
    assert torch.all(out['audio'] == 1)  # not normalised


def test_wrong_channel_count_is_explained():
    pre = FERDataPreprocessor(mean=[0] * 5, std=[1] * 5)
    with pytest.raises(ValueError, match='5 channels'):
        pre(dict(inputs=[torch.zeros(3, 4, 4)]))


def test_shape_mismatch_is_explained():
    pre = FERDataPreprocessor()
    with pytest.raises(ValueError, match='Resize'):
        pre(dict(inputs=[torch.zeros(3, 4, 4), torch.zeros(3, 5, 5)]))


def test_batch_augments_only_in_training():
    calls = []

    def aug(inputs, samples):
        calls.append(1)
        return inputs * 0, samples

    pre = FERDataPreprocessor(batch_augments=[aug])
    data = dict(inputs=[torch.ones(3, 2, 2)])
    assert pre(data, training=False)['inputs'].sum() == 12
    assert pre(data, training=True)['inputs'].sum() == 0
    assert len(calls) == 1


def test_bad_mean_std_arguments():
    with pytest.raises(ValueError, match='both'):
        FERDataPreprocessor(mean=[0, 0, 0])
    with pytest.raises(ValueError, match='differ in length'):
        FERDataPreprocessor(mean=[0, 0, 0], std=[1, 1])
