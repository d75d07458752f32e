"""Table 3 fusion alternatives: same interface, identity at init."""
import pytest
import torch

from mmfer.models.necks import AddFusion, MULTConcatFusion, MULTFusion
from mmfer.registry import MODELS


@pytest.mark.parametrize('cfg', [
    dict(type='AddFusion', in_channels=16),
    dict(type='MULTFusion', in_channels=16, latent_dims=8, num_heads=2),
    dict(type='MULTConcatFusion', in_channels=16, latent_dims=8,
         num_heads=2),
    dict(type='FusionBottleneck', in_channels=16, latent_dims=8),
])
def test_interface_identity_and_learning(cfg):
    m = MODELS.build(cfg)
    v, a = torch.randn(2, 3, 5, 16), torch.randn(2, 7, 16)
    v2, a2 = m(v, a)
    assert v2.shape == v.shape and a2.shape == a.shape
    assert torch.equal(v2, v) and torch.equal(a2, a)
    with torch.no_grad():
        m.alpha.fill_(0.5)
    v3, a3 = m(v, a)
    assert not torch.allclose(v3, v) and not torch.allclose(a3, a)
    (v3.square().mean() + a3.square().mean()).backward()
    assert all(p.grad is not None for p in m.parameters())


def test_add_fusion_hand_computed():
    m = AddFusion(4)
    with torch.no_grad():
        m.alpha.copy_(torch.tensor([1., 2.]))
    v, a = torch.randn(1, 2, 3, 4), torch.randn(1, 5, 4)
    v2, a2 = m(v, a)
    torch.testing.assert_close(
        v2, v + torch.tanh(torch.tensor(1.)) * a.mean(dim=(0, 1)))
    torch.testing.assert_close(
        a2, a + torch.tanh(torch.tensor(2.)) * v.mean(dim=(0, 1, 2)))
    with pytest.raises(ValueError, match='equal'):
        AddFusion((4, 8))


def test_mult_attends_across_clip():
    # every video token's update depends on the audio only through attention
    m = MULTFusion((8, 8), latent_dims=4, num_heads=2)
    with torch.no_grad():
        m.alpha.fill_(1.)
    v, a = torch.randn(1, 2, 3, 8), torch.randn(1, 4, 8)
    v1, _ = m(v, a)
    v2, _ = m(v, a.flip(1))  # attention is permutation invariant over keys
    torch.testing.assert_close(v1, v2)
    mc = MULTConcatFusion((8, 8), latent_dims=4, num_heads=2)
    with torch.no_grad():
        mc.alpha.fill_(1.)
    u, _ = mc(v, a)
    # one global update shared by every video token
    d = u - v
    torch.testing.assert_close(d, d[:, :1, :1].expand_as(d))
