"""Multimodal Temporal Transformer (MMA-DFER Sec. 3.4)."""
import pytest
import torch

from mmfer.models.necks import MultimodalTemporalTransformer


def test_default_dims_and_parameter_count():
    mtt = MultimodalTemporalTransformer()
    assert mtt.pos_embed.shape == (1, 17, 512)
    assert mtt.cls_token.shape == (1, 1, 512)
    layer = mtt.layers[0]
    assert len(mtt.layers) == 1
    assert layer.attn.num_heads == 8 and layer.attn.head_dims == 64
    assert layer.attn.qkv.bias is None
    assert layer.ffn.layers[0][0].out_features == 1024
    assert layer.ffn.layers[0][1].approximate == 'tanh'
    n = sum(p.numel() for p in mtt.parameters())
    # cls + pos + LN x2 + q,k,v (no bias) + out proj + MLP
    assert n == 512 + 17 * 512 + 2 * 1024 + 3 * 512 * 512 + 512 * 513 \
        + (512 * 1024 + 1024) + (1024 * 512 + 512)


def test_forward_matches_reference_prenorm():
    torch.manual_seed(0)
    mtt = MultimodalTemporalTransformer(embed_dims=16, num_heads=2,
                                        feedforward_channels=32,
                                        num_frames=6).eval()
    x = torch.randn(2, 5, 16)
    out = mtt(x)
    assert out.shape == (2, 16)
    # reference: cls + pos, x + MHSA(LN(x)), x + MLP(LN(x)), take cls
    layer = mtt.layers[0]
    h = torch.cat([mtt.cls_token.expand(2, -1, -1), x], 1) + \
        mtt.pos_embed[:, :6]
    y = layer.ln1(h)
    q, k, v = layer.attn.qkv(y).view(2, 6, 3, 2, 8).permute(2, 0, 3, 1, 4)
    att = (q @ k.transpose(-1, -2) / 8**0.5).softmax(-1)
    h = h + layer.attn.proj((att @ v).transpose(1, 2).reshape(2, 6, 16))
    fc1, fc2 = layer.ffn.layers[0][0], layer.ffn.layers[1]
    h = h + fc2(torch.nn.functional.gelu(fc1(layer.ln2(h)),
                                         approximate='tanh'))
    torch.testing.assert_close(out, h[:, 0])


def test_too_many_frames():
    mtt = MultimodalTemporalTransformer(embed_dims=16, num_heads=2,
                                        feedforward_channels=32,
                                        num_frames=4)
    with pytest.raises(ValueError, match='num_frames'):
        mtt(torch.randn(1, 5, 16))
    with pytest.raises(ValueError, match='divisible'):
        MultimodalTemporalTransformer(embed_dims=10, num_heads=3)
