"""AUClsHead: GAP of patch tokens (no cls token) + linear, multi-label."""
import pytest
import torch

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample


def _head(**kw):
    torch.manual_seed(0)
    head = MODELS.build(dict(type='AUClsHead', num_classes=3, in_channels=8,
                             loss=dict(type='WeightedBCELoss',
                                       pos_weight=[1, 2, 3]), **kw))
    head.init_weights()
    return head


def test_gap_without_cls_token():
    head = _head()
    tokens = torch.rand(2, 1 + 16, 8)  # raw: cls + 4x4 patches
    featmap = tokens[:, 1:].transpose(1, 2).reshape(2, 8, 4, 4)
    out_raw = head((tokens, ))
    torch.testing.assert_close(out_raw, head((featmap, )))
    ref = head.fc(head.norm(tokens[:, 1:].mean(1)))
    torch.testing.assert_close(out_raw, ref)
    # the cls token does not influence the prediction
    tokens2 = tokens.clone()
    tokens2[:, 0] += 10
    torch.testing.assert_close(head((tokens2, )), out_raw)


def test_loss_and_predict():
    head = _head(threshold=0.5)
    feats = (torch.rand(2, 8, 4, 4), )
    samples = [FERDataSample().set_au_label([1, 0, -1]),
               FERDataSample().set_au_label([0, 1, 1])]
    loss = head.loss(feats, samples)['loss']
    ref = head.loss_module(head(feats), torch.tensor([[1., 0., -1.],
                                                      [0., 1., 1.]]))
    torch.testing.assert_close(loss, ref)
    out = head.predict(feats, samples)
    prob = torch.sigmoid(head(feats))
    torch.testing.assert_close(out[0].pred_au_score, prob[0])
    torch.testing.assert_close(out[1].pred_au, (prob[1] >= 0.5).float())
    with pytest.raises(KeyError, match='gt_au'):
        head.loss(feats, [FERDataSample(), FERDataSample()])
    with pytest.raises(ValueError, match='in_channels=8'):
        head((torch.rand(2, 4, 2, 2), ))


def test_classifier_layer_decay_constructor():
    """FERClassifier.get_layer_depth lets mmpretrain's layer-decay
    constructor scale the lr by 0.75 per block (MCM Sec. 4.3)."""
    from mmengine.optim import build_optim_wrapper
    model = MODELS.build(
        dict(type='FERClassifier',
             backbone=dict(type='mmpretrain.VisionTransformer',
                           arch=dict(embed_dims=32, num_layers=2, num_heads=2,
                                     feedforward_channels=64),
                           img_size=32, patch_size=8, out_type='featmap',
                           final_norm=False, drop_path_rate=0.1),
             head=dict(type='AUClsHead', num_classes=3, in_channels=32,
                       loss=dict(type='WeightedBCELoss'))))
    wrapper = build_optim_wrapper(
        model,
        dict(type='OptimWrapper',
             optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
             constructor='mmpretrain.LearningRateDecayOptimWrapperConstructor',
             paramwise_cfg=dict(layer_decay_rate=0.75)))
    lrs = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            for name, q in model.named_parameters():
                if q is p:
                    lrs[name] = group['lr']
    # 2 blocks -> 4 depths: stem 0.75^3, block0 0.75^2, block1 0.75, head 1
    assert lrs['backbone.patch_embed.projection.weight'] == \
        pytest.approx(0.75**3)
    assert lrs['backbone.layers.0.attn.qkv.weight'] == pytest.approx(0.75**2)
    assert lrs['backbone.layers.1.attn.qkv.weight'] == pytest.approx(0.75)
    assert lrs['head.fc.weight'] == pytest.approx(1.0)
