"""StagedResNet / StagedViT: stage-by-stage calls reproduce the wrapped
networks exactly (the interface EMPD's per-block decoupling needs, Sec.
III-B), and pre-trained weights load unchanged."""
import pytest
import torch
from mmpretrain.models import ResNet, VisionTransformer

from mmfer.models.backbones import StagedResNet, StagedViT
from mmfer.models.selfsup import MaskedViT

TINY12 = dict(embed_dims=16, num_layers=12, num_heads=2,
              feedforward_channels=32)


def run_stages(net, x):
    x = net.forward_stem(x)
    shapes = []
    for i in range(net.num_stages):
        x = net.forward_stage(i, x)
        shapes.append(tuple(x.shape))
    return net.forward_head(x), shapes


def test_staged_resnet_matches_resnet_and_gap():
    torch.manual_seed(0)
    net = StagedResNet(depth=18, stem_channels=8, base_channels=8).eval()
    ref = ResNet(depth=18, stem_channels=8, base_channels=8)
    ref.load_state_dict(net.state_dict())  # same parameter names
    ref.eval()  # (mmpretrain's train() returns None: no chaining)
    x = torch.randn(2, 3, 64, 64)
    pooled, shapes = run_stages(net, x)
    assert net.num_stages == 4
    assert net.stage_channels == (8, 16, 32, 64)
    # 64 px: stem /4 -> 16, stages 1, 2, 2, 2
    assert shapes == [(2, 8, 16, 16), (2, 16, 8, 8), (2, 32, 4, 4),
                      (2, 64, 2, 2)]
    with torch.no_grad():
        expected = ref(x)[-1].mean(dim=(2, 3))  # ResNet + GAP neck
    torch.testing.assert_close(pooled, expected, rtol=0, atol=0)
    assert net(x)[-1].shape == (2, 64, 2, 2)  # plain forward still there


def test_staged_resnet_standard_width_and_bad_stage():
    net = StagedResNet(depth=18)
    assert net.stage_channels == (64, 128, 256, 512)
    with pytest.raises(IndexError, match='4 stages'):
        net.forward_stage(4, torch.zeros(1, 256, 2, 2))


@pytest.mark.parametrize('out_type,final_norm', [('cls_token', True),
                                                 ('avg_featmap', False)])
def test_staged_vit_4x3_split_reproduces_vit(out_type, final_norm):
    torch.manual_seed(0)
    vit = StagedViT(arch=TINY12, img_size=32, patch_size=8,
                    out_type=out_type, final_norm=final_norm).eval()
    assert vit.num_stages == 4 and vit.blocks_per_stage == 3
    assert vit.stage_channels == (16, ) * 4
    ref = VisionTransformer(arch=TINY12, img_size=32, patch_size=8,
                            out_type=out_type, final_norm=final_norm)
    ref.load_state_dict(vit.state_dict())
    ref.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        pooled, shapes = run_stages(vit, x)
        expected = ref(x)[-1]
    assert shapes == [(2, 17, 16)] * 4  # cls + 16 patches
    torch.testing.assert_close(pooled, expected, rtol=0, atol=0)


def test_staged_vit_loads_masked_vit_encoder():
    """An MAE / ESGM encoder (MaskedViT layout) loads with no missing key."""
    enc = MaskedViT(arch=TINY12, img_size=32, patch_size=8)
    vit = StagedViT(arch=TINY12, img_size=32, patch_size=8,
                    out_type='cls_token', final_norm=True)
    state = {k: v for k, v in enc.state_dict().items()
             if not k.startswith('mask_generator')}
    result = vit.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_staged_vit_bad_arguments():
    with pytest.raises(ValueError, match='must divide the 12'):
        StagedViT(arch=TINY12, img_size=32, patch_size=8, num_stages=5)
    with pytest.raises(ValueError, match="out_type must be one of"):
        StagedViT(arch=TINY12, img_size=32, patch_size=8, out_type='raw')
