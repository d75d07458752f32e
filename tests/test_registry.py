import pytest
import torch
from mmengine.registry import MODELS as MMENGINE_MODELS

from mmfer.registry import DATASETS, METRICS, MODELS, TRANSFORMS

TINY_VIT = dict(
    type='mmpretrain.VisionTransformer',
    arch=dict(embed_dims=32, num_layers=1, num_heads=2,
              feedforward_channels=64),
    img_size=32,
    patch_size=8)


def test_registries_are_children_of_mmengine():
    assert MODELS.parent is MMENGINE_MODELS
    assert MODELS.scope == 'mmfer'
    assert 'FERClassifier' in MODELS.module_dict
    assert 'SynthFaceDataset' in DATASETS.module_dict
    assert 'LoadFaceModalities' in TRANSFORMS.module_dict
    assert 'ExpressionMetric' in METRICS.module_dict


def test_build_mmfer_model_with_mmpretrain_parts_from_dict():
    model = MODELS.build(
        dict(
            type='FERClassifier',
            backbone=TINY_VIT,
            head=dict(
                type='mmpretrain.VisionTransformerClsHead',
                num_classes=7,
                in_channels=32,
                loss=dict(type='mmpretrain.CrossEntropyLoss'))))
    assert type(model.backbone).__module__.startswith('mmpretrain')
    logits = model(torch.rand(3, 3, 32, 32), mode='tensor')
    assert logits.shape == (3, 7)


def test_build_mmaction_transform_by_scope_prefix():
    # mmaction2 1.2.0 cannot import mmaction.models without mmfer's patch;
    # building by prefix imports its registry locations.
    transform = TRANSFORMS.build(dict(type='mmaction.CenterCrop',
                                      crop_size=8))
    import numpy as np
    out = transform(dict(imgs=[np.zeros((16, 16, 3), np.uint8)],
                         img_shape=(16, 16)))
    assert out['imgs'][0].shape == (8, 8, 3)
    import mmaction.models  # noqa: F401  (works with the patch)


def test_unknown_type_raises_keyerror_with_name():
    with pytest.raises(KeyError, match='NoSuchModule'):
        MODELS.build(dict(type='NoSuchModule'))
