"""FusionBottleneck: Eqs. (2)-(5) of MMA-DFER, identity at init."""
import pytest
import torch
import torch.nn.functional as F

from mmfer.models.necks import FusionBottleneck


def test_identity_at_init():
    fb = FusionBottleneck(in_channels=(12, 8), latent_dims=4)
    assert fb.alpha.tolist() == [0., 0.]
    v, a = torch.randn(2, 3, 5, 12), torch.randn(2, 7, 8)
    v2, a2 = fb(v, a)
    assert torch.equal(v2, v) and torch.equal(a2, a)


def test_hand_computed_fusion():
    torch.manual_seed(0)
    fb = FusionBottleneck(in_channels=(4, 3), latent_dims=2)
    with torch.no_grad():
        fb.alpha.copy_(torch.tensor([0.3, -0.7]))
    B, T, Nv, Na = 2, 3, 4, 5
    v, a = torch.randn(B, T, Nv, 4), torch.randn(B, Na, 3)
    v2, a2 = fb(v, a)

    def ln(z, norm):
        mu = z.mean(-1, keepdim=True)
        var = z.var(-1, unbiased=False, keepdim=True)
        return (z - mu) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias

    lin_v, ln_v = fb.down[0]
    lin_a, ln_a = fb.down[1]
    for b in range(B):
        zv = ln(v[b] @ lin_v.weight.T + lin_v.bias, ln_v)  # (T, Nv, d)
        za = ln(a[b] @ lin_a.weight.T + lin_a.bias, ln_a)  # (Na, d)
        # global averages: audio over its tokens, video over all frames
        # and tokens of the clip
        ga = sum(za[n] for n in range(Na)) / Na
        gv = sum(zv[t, n] for t in range(T) for n in range(Nv)) / (T * Nv)
        up_v, up_a = fb.up[0][0], fb.up[1][0]
        uv = F.gelu((zv + ga) @ up_v.weight.T + up_v.bias)
        ua = F.gelu((za + gv) @ up_a.weight.T + up_a.bias)
        torch.testing.assert_close(v2[b], v[b] + torch.tanh(
            torch.tensor(0.3)) * uv)
        torch.testing.assert_close(a2[b], a[b] + torch.tanh(
            torch.tensor(-0.7)) * ua)


def test_any_token_streams_and_gradients():
    # e.g. RGB and depth ViTs: two (B, N, D) streams
    fb = FusionBottleneck(in_channels=16, latent_dims=8)
    x, y = torch.randn(2, 5, 16), torch.randn(2, 9, 16)
    x2, y2 = fb(x, y)
    assert x2.shape == x.shape and y2.shape == y.shape
    (x2.sum() + y2.sum()).backward()
    # at alpha=0 only the gates receive a gradient
    assert fb.alpha.grad.abs().sum() > 0
    assert fb.down[0][0].weight.grad.abs().sum() == 0


def test_parameter_count_per_block():
    fb = FusionBottleneck(768, 128)
    down = 768 * 128 + 128 + 2 * 128
    up = 128 * 768 + 768
    assert sum(p.numel() for p in fb.parameters()) == 2 * (down + up) + 2


def test_bad_inputs():
    fb = FusionBottleneck((8, 8), 4)
    with pytest.raises(ValueError, match='batch sizes'):
        fb(torch.randn(2, 3, 8), torch.randn(3, 3, 8))
    with pytest.raises(ValueError, match='width'):
        fb(torch.randn(2, 3, 6), torch.randn(2, 3, 8))
    with pytest.raises(ValueError, match=r'\(B, N, D\)'):
        fb(torch.randn(2, 8), torch.randn(2, 3, 8))
