"""ChannelMixing (MCM Sec. 3.1, Fig. 1): per-patch channel drop + shuffle."""
import itertools
import time

import numpy as np
import pytest
import torch

from mmfer.datasets.transforms import ChannelMixing
from mmfer.models.data_preprocessors import BatchChannelMixing
from mmfer.models.utils import channel_mixing


def _patches(img, p):
    """(H, W, C) -> (h, w, p*p, C)."""
    H, W, C = img.shape
    x = img.reshape(H // p, p, W // p, p, C).transpose(0, 2, 1, 3, 4)
    return x.reshape(H // p, W // p, p * p, C)


def _matched_sources(inp, out, p):
    """For every output patch channel, the input channel of that patch it
    equals (content match, independent of the returned selection)."""
    pin, pout = _patches(inp, p), _patches(out, p)
    h, w, _, K = pout.shape
    src = np.full((h, w, K), -1)
    for r, c, j in itertools.product(range(h), range(w), range(K)):
        eq = [k for k in range(inp.shape[2])
              if np.array_equal(pout[r, c, :, j], pin[r, c, :, k])]
        assert len(eq) == 1, 'output channel matches no / several inputs'
        src[r, c, j] = eq[0]
    return src


@pytest.mark.parametrize('C', [4, 5])
def test_each_patch_is_permutation_of_a_3_subset(C):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (32, 48, C), dtype=np.uint8)
    out = ChannelMixing(patch_size=8, in_channels=C)(dict(img=img.copy()))
    assert out['img'].shape == (32, 48, 3) and out['img'].dtype == np.uint8
    src = _matched_sources(img, out['img'], 8)
    # 3 distinct input channels per patch, equal to the reported selection
    assert all(len(set(s)) == 3 for s in src.reshape(-1, 3).tolist())
    np.testing.assert_array_equal(src, out['channel_selection'])
    # different patches get different selections
    assert len({tuple(s) for s in src.reshape(-1, 3).tolist()}) > 1


def test_drop_distribution_is_uniform():
    """Dropped channel pairs over many draws: chi-square vs uniform."""
    C, draws = 5, 400
    x = torch.zeros(draws, C, 16, 16)
    g = torch.Generator().manual_seed(0)
    _, sel = channel_mixing(x, 4, 3, generator=g)  # (draws, 4, 4, 3)
    sel = sel.reshape(-1, 3)
    kept = torch.zeros(sel.shape[0], C, dtype=torch.bool)
    kept.scatter_(1, sel, True)
    dropped = (~kept).nonzero()[:, 1].view(-1, 2)  # 2 dropped per patch
    pairs = [tuple(p) for p in dropped.tolist()]
    counts = np.array([pairs.count(pr) for pr in
                       itertools.combinations(range(C), 2)])
    expected = len(pairs) / 10
    chi2 = ((counts - expected)**2 / expected).sum()
    assert chi2 < 30, f'chi2={chi2:.1f} (df=9, p<0.0005 bound)'
    # every channel is dropped with probability 2/5
    per_channel = (~kept).float().mean(0).numpy()
    np.testing.assert_allclose(per_channel, 0.4, atol=0.02)
    # the order of the kept channels is uniform too: first slot
    first = np.bincount(sel[:, 0].numpy(), minlength=C) / sel.shape[0]
    np.testing.assert_allclose(first, 0.2, atol=0.02)


def test_seeding():
    img = np.random.default_rng(1).integers(0, 256, (32, 32, 5), np.uint8)
    t = ChannelMixing(patch_size=8, seed=3)
    a = t(dict(img=img.copy(), sample_idx=7))['img']
    b = t(dict(img=img.copy(), sample_idx=7))['img']
    c = t(dict(img=img.copy(), sample_idx=8))['img']
    np.testing.assert_array_equal(a, b)  # a function of (seed, sample_idx)
    assert not np.array_equal(a, c)
    t = ChannelMixing(patch_size=8)  # global torch RNG
    torch.manual_seed(5)
    a = t(dict(img=img.copy()))['img']
    torch.manual_seed(5)
    np.testing.assert_array_equal(a, t(dict(img=img.copy()))['img'])


def test_vectorised_speed():
    """65,536 patches in one call: a loop over patches would take seconds."""
    img = np.zeros((1024, 1024, 5), np.uint8)
    t = ChannelMixing(patch_size=4)
    t0 = time.perf_counter()
    out = t(dict(img=img))
    assert out['channel_selection'].shape == (256, 256, 3)
    assert time.perf_counter() - t0 < 1.5


def test_batched_matches_rule():
    x = torch.rand(3, 4, 16, 16)
    mixed, sel = BatchChannelMixing(patch_size=8).mix(x)
    assert mixed.shape == (3, 3, 16, 16) and sel.shape == (3, 2, 2, 3)
    for b in range(3):
        src = _matched_sources(x[b].permute(1, 2, 0).numpy(),
                               mixed[b].permute(1, 2, 0).numpy(), 8)
        np.testing.assert_array_equal(src, sel[b].numpy())
    out, samples = BatchChannelMixing(patch_size=8)(x, ['s'])
    assert out.shape == (3, 3, 16, 16) and samples == ['s']


def test_keys_and_repr():
    res = ChannelMixing(patch_size=8)(dict(
        img=np.zeros((16, 16, 5), np.uint8),
        channel_names=('R', 'G', 'B', 'D', 'T')))
    assert res['channel_names'] == ('mix0', 'mix1', 'mix2')
    assert res['mixed_channel_names'] == ('R', 'G', 'B', 'D', 'T')
    assert repr(ChannelMixing(8, in_channels=5)) == (
        'ChannelMixing(patch_size=8, num_kept=3, in_channels=5, seed=None)')


def test_errors():
    with pytest.raises(ValueError, match='has only 2'):
        ChannelMixing(patch_size=8)(dict(img=np.zeros((16, 16, 2), np.uint8)))
    with pytest.raises(ValueError, match=r'in_channels=5.*4-channel'):
        ChannelMixing(patch_size=8, in_channels=5)(
            dict(img=np.zeros((16, 16, 4), np.uint8)))
    with pytest.raises(ValueError, match='not divisible by the patch size'):
        ChannelMixing(patch_size=16)(dict(img=np.zeros((24, 32, 5), np.uint8)))
    with pytest.raises(ValueError, match='in_channels=5'):
        BatchChannelMixing(8, in_channels=5).mix(torch.zeros(1, 4, 16, 16))
    with pytest.raises(ValueError, match='not divisible'):
        BatchChannelMixing(16).mix(torch.zeros(1, 5, 24, 24))
