"""ChannelProjectionViT: MCM Table 4's "VD without CM" 1x1 conv stem."""
import pytest
import torch

from mmfer.registry import MODELS

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def build(**kw):
    torch.manual_seed(0)
    cfg = dict(type='ChannelProjectionViT', arch=TINY, img_size=32,
               patch_size=8, out_type='featmap')
    cfg.update(kw)
    vit = MODELS.build(cfg)
    vit.init_weights()
    return vit


def test_identity_stem_equals_the_rgb_vit_on_the_rgb_channels():
    vit = build()
    rgb = MODELS.build(dict(type='mmpretrain.VisionTransformer', arch=TINY,
                            img_size=32, patch_size=8, out_type='featmap'))
    state = {k: v for k, v in vit.state_dict().items()
             if not k.startswith('channel_proj')}
    assert set(state) == set(rgb.state_dict())  # same names as the RGB ViT
    rgb.load_state_dict(state)
    x = torch.rand(2, 4, 32, 32)
    torch.testing.assert_close(vit(x)[0], rgb(x[:, :3])[0])
    # depth enters only through the learned stem: its gradient is non-zero
    # (through a random read-out: the sum, or the sum of squares, of a
    # LayerNorm output is constant, its gradient only float noise)
    out = vit(x)[0]
    w = torch.randn(out.shape, generator=torch.Generator().manual_seed(0))
    (out * w).sum().backward()
    assert vit.channel_proj.weight.grad[:, 3].abs().sum() > 1e-2


def test_stem_is_a_1x1_conv_4_to_3_and_layer_zero():
    vit = build(stem_init='default')
    assert tuple(vit.channel_proj.weight.shape) == (3, 4, 1, 1)
    assert vit.patch_embed.projection.in_channels == 3
    assert vit.get_layer_depth('backbone.channel_proj.weight',
                               'backbone.') == (0, 4)
    assert vit.get_layer_depth('backbone.layers.1.ln1.weight',
                               'backbone.') == (2, 4)


def test_pretrained_rgb_checkpoint_loads_and_keeps_the_stem(tmp_path):
    src = build()
    ckpt = str(tmp_path / 'rgb.pth')
    torch.save({'state_dict': {'backbone.' + k: v + 1.0
                               for k, v in src.state_dict().items()
                               if not k.startswith('channel_proj')}}, ckpt)
    vit = build(init_cfg=dict(type='Pretrained', checkpoint=ckpt,
                              prefix='backbone.'))
    torch.testing.assert_close(vit.cls_token, src.cls_token + 1.0)
    w = vit.channel_proj.weight[:, :, 0, 0]
    torch.testing.assert_close(w, torch.eye(3, 4))  # identity stem kept


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="stem_init must be one of"):
        build(stem_init='xavier')
    with pytest.raises(ValueError, match=r'expects \(B, 4, H, W\)'):
        build()(torch.rand(1, 3, 32, 32))
