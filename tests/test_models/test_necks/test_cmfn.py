"""CMFN (CM-CNN Sec. III-D, Fig. 4-5, Eq. 3): shapes, the attention against
a direct einsum of Eq. 3, the residual path, the sigma options."""
import pytest
import torch

from mmfer.models.necks import CMFN
from mmfer.models.necks.concat_pool_fusion import global_pool


def _maps(m, b=2, c=4, h=3, w=5, seed=0):
    torch.manual_seed(seed)
    return [torch.randn(b, c, h, w) for _ in range(m)]


@pytest.mark.parametrize('m', [2, 3, 4])
def test_shapes_any_modalities_non_square(m):
    neck = CMFN(in_channels=4, num_modalities=m)
    (f_v, ), att = neck(_maps(m), return_attention=True)
    # f_v: M embeddings of (M - 1) C channels, max + avg pooled
    assert f_v.shape == (2, m * 2 * (m - 1) * 4) == (2, neck.out_channels)
    assert sorted(att) == [(i, j) for i in range(m) for j in range(m)
                           if i != j]
    assert all(a.shape == (2, 15, 15) for a in att.values())
    # one set of G1, G2, D1 per ordered pair
    assert len(neck.attentions) == m * (m - 1)
    assert neck.attentions['0_1'].g1 is not neck.attentions['1_0'].g1


def _eq3(module, f_i, f_j, attention='sigmoid', scale=1.0):
    """Eq. 3 + residual written out with einsum from the conv weights."""
    def conv1x1(conv, x):
        w = conv.weight[:, :, 0, 0]
        return torch.einsum('oc,bchw->bohw', w, x) + conv.bias.view(1, -1, 1,
                                                                    1)
    b, c, h, w = f_i.shape
    g1 = conv1x1(module.g1, f_i).reshape(b, c, h * w)
    g2 = conv1x1(module.g2, f_i).reshape(b, c, h * w)
    d1 = conv1x1(module.d1, f_j).reshape(b, c, h * w)
    energy = torch.einsum('bcn,bcm->bnm', g1, d1) * scale  # G1^T D1
    att = torch.sigmoid(energy) if attention == 'sigmoid' else \
        torch.softmax(energy, dim=-1)
    out = torch.einsum('bcm,bnm->bcn', g2, att)  # G2 Att^T
    return out.reshape(b, c, h, w) + f_i, att


@pytest.mark.parametrize('attention', ['sigmoid', 'softmax'])
@pytest.mark.parametrize('scale', [False, True])
def test_attention_and_fusion_match_eq3(attention, scale):
    neck = CMFN(in_channels=4, num_modalities=3, attention=attention,
                scale=scale)
    maps = _maps(3, b=1, h=2, w=3)
    (f_v, ), att = neck(maps, return_attention=True)
    s = 4**-0.5 if scale else 1.0
    expected = []
    for i in range(3):
        fused = []
        for j in range(3):
            if j != i:
                f_ij, a = _eq3(neck.attentions[f'{i}_{j}'], maps[i], maps[j],
                               attention, s)
                assert torch.allclose(att[(i, j)], a, atol=1e-6)
                fused.append(f_ij)
        f_a = torch.cat(fused, 1)  # f_Ai, (B, 2C, H, W)
        expected += [f_a.amax(dim=(2, 3)), f_a.mean(dim=(2, 3))]
    assert torch.allclose(f_v, torch.cat(expected, 1), atol=1e-5)
    if attention == 'softmax':
        rows = att[(0, 1)].sum(-1)
        assert torch.allclose(rows, torch.ones_like(rows), atol=1e-6)
    else:  # logistic: (0, 1) entries, rows not normalised
        assert ((att[(0, 1)] > 0) & (att[(0, 1)] < 1)).all()


def test_residual_g2_zero_gives_input():
    neck = CMFN(in_channels=4, num_modalities=3)
    for module in neck.attentions.values():
        torch.nn.init.zeros_(module.g2.weight)
        torch.nn.init.zeros_(module.g2.bias)
    maps = _maps(3)
    f_v, = neck(maps)
    # every f_ij == f_i, so f_Ai = [f_i, f_i]
    expected = torch.cat(
        [global_pool(torch.cat([f, f], 1), ('max', 'avg')) for f in maps], 1)
    assert torch.allclose(f_v, expected, atol=1e-6)


def test_sagan_gamma_starts_as_identity_and_learns():
    neck = CMFN(in_channels=4, num_modalities=3, gamma_init=0.0)
    plain = CMFN(in_channels=4, num_modalities=3)
    assert all(m.gamma is None for m in plain.attentions.values())
    maps = _maps(3)
    f_v, = neck(maps)
    # gamma = 0: f_ij == f_i, the branch is off at the start (SAGAN)
    expected = torch.cat(
        [global_pool(torch.cat([f, f], 1), ('max', 'avg')) for f in maps], 1)
    assert torch.allclose(f_v, expected, atol=1e-6)
    f_v.square().sum().backward()
    grads = [m.gamma.grad for m in neck.attentions.values()]
    assert all(g is not None and g.abs() > 0 for g in grads)
    # with gamma = 1 it is the plain sum of Fig. 5
    one = CMFN(in_channels=4, num_modalities=3, gamma_init=1.0)
    one.load_state_dict(plain.state_dict(), strict=False)
    assert torch.allclose(one(maps)[0], plain(maps)[0], atol=1e-5)


def test_pool_option_and_backbone_tuples():
    neck = CMFN(in_channels=4, num_modalities=2, pool=('avg', ))
    maps = _maps(2)
    f_v, = neck([(m, ) for m in maps])  # backbone output tuples accepted
    assert f_v.shape == (2, 2 * 1 * 1 * 4)
    assert torch.allclose(f_v, neck(maps)[0])


def test_gradients_reach_every_pair():
    neck = CMFN(in_channels=4, num_modalities=3, scale=True)
    neck(_maps(3))[0].sum().backward()
    for name, p in neck.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='num_modalities >= 2'):
        CMFN(in_channels=4, num_modalities=1)
    with pytest.raises(ValueError, match="'sigmoid', 'softmax'"):
        CMFN(in_channels=4, attention='tanh')
    with pytest.raises(ValueError, match='pool must be'):
        CMFN(in_channels=4, pool=('min', ))
    neck = CMFN(in_channels=4, num_modalities=3)
    with pytest.raises(ValueError, match='num_modalities=3.*got 2 maps'):
        neck(_maps(2))
    with pytest.raises(ValueError, match='differ in'):
        neck(_maps(2) + [torch.randn(2, 4, 4, 5)])
    with pytest.raises(ValueError, match='in_channels=4'):
        neck([torch.randn(2, 8, 3, 5)] * 3)
