"""IntermediateTemporalAdaptor (MMA-DFER Table 2 "ITA"): temporal
self-attention over the frames' cls tokens, gated into every frame."""
import pytest
import torch

from mmfer.models.necks import IntermediateTemporalAdaptor


def make(**kwargs):
    cfg = dict(in_channels=16, latent_dims=8, num_heads=2, num_frames=4)
    cfg.update(kwargs)
    return IntermediateTemporalAdaptor(**cfg).eval()


def test_identity_at_init_and_shape():
    ita = make()
    x = torch.randn(2, 4, 5, 16)
    y = ita(x)
    assert y.shape == x.shape
    torch.testing.assert_close(y, x)  # tanh(0) = 0: the gate starts closed


def test_matches_hand_computation():
    torch.manual_seed(0)
    ita = make()
    with torch.no_grad():
        ita.alpha.fill_(0.7)
    x = torch.randn(2, 3, 5, 16)  # T = 3 < num_frames
    z = ita.down(x[:, :, 0]) + ita.pos_embed[:, :3]  # (B, T, d)
    h, _ = ita.attn(z, z, z)
    u = ita.up(h)  # (B, T, D)
    expected = x + torch.tanh(torch.tensor(0.7)) * u[:, :, None]
    torch.testing.assert_close(ita(x), expected)


def test_mixes_frames_through_cls_tokens_only():
    torch.manual_seed(0)
    ita = make()
    with torch.no_grad():
        ita.alpha.fill_(1.0)
    x = torch.randn(1, 4, 5, 16)
    delta = ita(x) - x  # (1, T, N, D)
    # the same update for every token of a frame
    torch.testing.assert_close(delta, delta[:, :, :1].expand_as(delta))
    # changing frame 0's cls token changes frame 2's update ...
    x2 = x.clone()
    x2[:, 0, 0] += 1.0
    assert not torch.allclose(ita(x2)[:, 2] - x2[:, 2], delta[:, 2])
    # ... patch tokens do not enter the attention
    x3 = x.clone()
    x3[:, 0, 1:] += 1.0
    torch.testing.assert_close(ita(x3) - x3, delta)


def test_bad_inputs():
    with pytest.raises(ValueError, match='divisible'):
        make(latent_dims=7)
    with pytest.raises(ValueError, match=r'\(B, T, N, 16\)'):
        make()(torch.randn(2, 5, 16))
    with pytest.raises(ValueError, match='num_frames'):
        make()(torch.randn(1, 5, 3, 16))
