"""A batch whose channel count differs from the backbone's is refused before
the backbone runs, naming model.backbone.in_channels and the loaded
modalities (issue 13), instead of torch's convolution error."""
import pytest
import torch
from torch import nn

from mmfer.models.classifiers.fer_classifier import backbone_in_channels
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample

RGBDT = dict(modalities=('rgb', 'depth', 'thermal'),
             channel_names=('r', 'g', 'b', 'depth', 'thermal'))


def _resnet_classifier(**backbone):
    return MODELS.build(dict(
        type='FERClassifier',
        backbone=dict(type='mmpretrain.ResNet', depth=18, stem_channels=8,
                      base_channels=8, out_indices=(3, ), **backbone),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(type='mmpretrain.LinearClsHead', num_classes=7,
                  in_channels=64,
                  loss=dict(type='mmpretrain.CrossEntropyLoss'))))


def _samples(n, **meta):
    samples = []
    for i in range(n):
        s = FERDataSample()
        s.set_metainfo(meta)
        s.set_gt_label(i % 7)
        samples.append(s)
    return samples


def test_five_channels_into_a_three_channel_backbone():
    model = _resnet_classifier()
    assert model.backbone_in_channels == 3  # mmpretrain.ResNet's default
    for mode in ('loss', 'predict', 'tensor'):
        with pytest.raises(ValueError) as info:
            model(torch.rand(2, 5, 32, 32), _samples(2, **RGBDT), mode=mode)
        msg = str(info.value)
        assert msg.startswith(
            'FERClassifier: the input batch has 5 channels (shape '
            "(2, 5, 32, 32); the pipeline loaded modalities ('rgb', 'depth',"
            " 'thermal') = channels ('r', 'g', 'b', 'depth', 'thermal')), "
            'but model.backbone.in_channels is 3 (ResNet).')
        assert 'Set model.backbone.in_channels=5' in msg
        assert 'mean/std 5 values' in msg


def test_without_data_samples_the_message_still_names_the_key():
    model = _resnet_classifier(in_channels=1)
    with pytest.raises(ValueError, match=r'has 3 channels \(shape \(1, 3, '
                       r'32, 32\)\), but model.backbone.in_channels is 1'):
        model(torch.rand(1, 3, 32, 32))


def test_matching_channels_run():
    model = _resnet_classifier(in_channels=5)
    assert model(torch.rand(2, 5, 32, 32)).shape == (2, 7)
    losses = model(torch.rand(2, 5, 32, 32), _samples(2, **RGBDT),
                   mode='loss')
    assert torch.isfinite(losses['loss'])


def test_through_the_data_preprocessor_and_train_step():
    """The normal path (preprocessor without mean/std, then the model)."""
    model = _resnet_classifier()
    data = dict(inputs=[torch.randint(0, 255, (5, 32, 32), dtype=torch.uint8)
                        for _ in range(2)],
                data_samples=_samples(2, **RGBDT))
    optim = torch.optim.SGD(model.parameters(), lr=0.01)
    from mmengine.optim import OptimWrapper
    with pytest.raises(ValueError,
                       match='model.backbone.in_channels is 3'):
        model.train_step(data, OptimWrapper(optim))


def test_preprocessor_mean_std_mismatch_names_modalities_and_keys():
    pre = MODELS.build(dict(type='FERDataPreprocessor', mean=[127.5] * 3,
                            std=[127.5] * 3))
    data = dict(inputs=[torch.zeros(5, 8, 8, dtype=torch.uint8)],
                data_samples=_samples(1, **RGBDT))
    with pytest.raises(ValueError) as info:
        pre(data)
    msg = str(info.value)
    assert ("has shape (1, 5, 8, 8) (the pipeline loaded modalities ('rgb', "
            "'depth', 'thermal')) but model.data_preprocessor.mean / std "
            'have 3 channels') in msg
    assert 'model.backbone.in_channels' in msg


class _ProjectFirst(nn.Module):
    """``in_channels`` is the input, but a 1x1 projection to 3 comes
    first, so the first Conv2d takes ``in_channels``."""

    def __init__(self, in_channels=4):
        super().__init__()
        self.project = nn.Conv2d(in_channels, 3, 1)


class _FeatureBackbone(nn.Module):
    """``in_channels`` means something else than the image channels."""

    def __init__(self, in_channels=256):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)


def test_backbone_in_channels_is_trusted_only_when_the_first_conv_agrees():
    assert backbone_in_channels(None, _ProjectFirst()) == 4
    assert backbone_in_channels(dict(in_channels=4), _ProjectFirst()) == 4
    assert backbone_in_channels(None, _FeatureBackbone()) is None
    assert backbone_in_channels(None, nn.Identity()) is None
    assert backbone_in_channels(None, None) is None


def test_multimodal_classifier_names_the_loaded_modalities():
    model = MODELS.build(dict(
        type='MultiModalFERClassifier',
        backbones=dict(gray=dict(type='TextureFEN', arch='tiny'),
                       depth=dict(type='DepthFEN', arch='tiny')),
        modalities=('gray', 'depth'),
        neck=dict(type='CMFN', in_channels=16, num_modalities=2),
        head=dict(type='CMCNNClsHead', in_channels=64)))
    samples = _samples(2, modalities=('rgb', 'depth'))
    with pytest.raises(ValueError) as info:
        model(torch.rand(2, 4, 48, 48), samples, mode='predict')
    msg = str(info.value)
    assert ("the input has shape (2, 4, 48, 48) (the pipeline loaded "
            "modalities ('rgb', 'depth')), but model.modalities ('gray', "
            "'depth') stack 2 channels (gray: 1, depth: 1)") in msg
    assert model(torch.rand(2, 2, 48, 48)).shape == (2, 6)
