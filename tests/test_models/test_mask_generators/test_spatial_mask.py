"""SpatialMask (MCM Sec. 3.2): uniform random masking, no losses."""
import pytest
import torch

from mmfer.models.mask_generators import BaseMaskGenerator, SpatialMask
from mmfer.registry import MODELS


@pytest.mark.parametrize('ratio,L,keep', [(0.5, 16, 8), (0.75, 196, 49),
                                          (0.9, 64, 6)])
def test_ratio_and_shapes(ratio, L, keep):
    tokens = torch.rand(3, L, 8)
    res = SpatialMask(mask_ratio=ratio)(tokens)
    kept, mask, ids_restore = res.kept, res.mask, res.ids_restore
    assert res.losses == {}
    assert kept.shape == (3, keep, 8)
    assert mask.shape == ids_restore.shape == (3, L)
    assert (mask.sum(1) == L - keep).all()
    assert set(mask.unique().tolist()) <= {0.0, 1.0}


def test_restore_inverts_the_shuffle_and_mask_marks_dropped_tokens():
    B, L, D = 4, 16, 5
    tokens = torch.arange(B * L * D, dtype=torch.float).view(B, L, D)
    res = SpatialMask(0.5)(tokens)
    kept, mask, ids_restore = res.kept, res.mask, res.ids_restore
    # kept tokens are exactly the unmasked originals
    for b in range(B):
        visible = tokens[b][mask[b] == 0]
        assert sorted(kept[b][:, 0].tolist()) == sorted(visible[:, 0].tolist())
    # MAE decoder convention: append placeholders, gather with ids_restore
    filler = torch.full((B, L - kept.shape[1], D), -1.0)
    full = torch.gather(torch.cat([kept, filler], 1), 1,
                        ids_restore.unsqueeze(-1).expand(-1, -1, D))
    torch.testing.assert_close(full[mask == 0], tokens[mask == 0])
    assert (full[mask == 1] == -1).all()


def test_random_per_sample_and_seedable():
    tokens = torch.rand(8, 64, 4)
    torch.manual_seed(0)
    m1 = SpatialMask()(tokens).mask
    torch.manual_seed(0)
    m2 = SpatialMask()(tokens).mask
    torch.testing.assert_close(m1, m2)
    assert len({tuple(r.tolist()) for r in m1}) == 8
    # uniform: every position is masked ~half the time over many draws
    freq = torch.stack([SpatialMask()(tokens).mask
                        for _ in range(50)]).mean((0, 1))
    assert (freq - 0.5).abs().max() < 0.15


def test_learned_generator_implements_the_protocol():
    class KeepFirst(BaseMaskGenerator):
        def scores(self, tokens, data_samples=None):
            return torch.arange(tokens.shape[1]).float().expand(
                tokens.shape[0], -1)

    tokens = torch.rand(2, 8, 3)
    res = KeepFirst(mask_ratio=0.75)(tokens)
    kept, mask = res.kept, res.mask
    torch.testing.assert_close(kept, tokens[:, :2])
    assert mask[:, :2].sum() == 0 and mask[:, 2:].all()


def test_registry_and_errors():
    gen = MODELS.build(dict(type='SpatialMask'))
    assert gen.mask_ratio == 0.5  # MCM supplementary, Fig. 1b
    with pytest.raises(ValueError, match='mask_ratio'):
        SpatialMask(mask_ratio=1.0)
    with pytest.raises(ValueError, match='B, L, D'):
        SpatialMask()(torch.rand(2, 8))
