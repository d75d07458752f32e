import pytest
import torch

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample


def _model():
    return MODELS.build(
        dict(
            type='FERClassifier',
            data_preprocessor=dict(
                type='FERDataPreprocessor', mean=[127.5] * 3,
                std=[127.5] * 3),
            backbone=dict(
                type='mmpretrain.VisionTransformer',
                arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                          feedforward_channels=64),
                img_size=32,
                patch_size=8,
                out_type='cls_token'),
            head=dict(
                type='mmpretrain.LinearClsHead',
                num_classes=3,
                in_channels=32,
                loss=dict(type='mmpretrain.CrossEntropyLoss'))))


def _batch(n=6):
    torch.manual_seed(0)
    labels = torch.arange(n) % 3
    imgs = []
    for y in labels:  # class = which colour channel is bright
        img = torch.full((3, 32, 32), 40, dtype=torch.uint8)
        img[y] = 220
        imgs.append(img)
    samples = [FERDataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=imgs, data_samples=samples)


def test_modes_and_learning():
    model = _model()
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    from mmengine.optim import OptimWrapper
    wrapper = OptimWrapper(optim)
    first = model.train_step(_batch(), wrapper)['loss'].item()
    for _ in range(30):
        last = model.train_step(_batch(), wrapper)['loss'].item()
    assert last < first * 0.5
    preds = model.val_step(_batch())
    assert isinstance(preds[0], FERDataSample)
    acc = sum(int(p.pred_label) == int(p.gt_label) for p in preds) / 6
    assert acc == 1.0


def test_layer_depth_for_layer_decay():
    model = _model()
    depth, num = model.get_layer_depth('backbone.layers.1.attn.qkv.weight')
    assert (depth, num) == (2, 4)


def test_invalid_mode():
    with pytest.raises(RuntimeError, match='Invalid mode'):
        _model()(torch.zeros(1, 3, 32, 32), mode='nope')
