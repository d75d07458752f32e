"""The mask-generator contract: tokens + data samples in, MaskResult out.

A learned generator (EMPD's ESGM is the target) scores the tokens, may
read parsing maps from the data samples, and returns loss terms that the
self-supervised model adds to its own losses.
"""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmfer.models.mask_generators import (BaseMaskGenerator, MaskResult,
                                          SpatialMask)
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample

TINY = dict(embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64)
P = 8  # patch size; 32 x 32 images -> 4 x 4 = 16 patches


def face_density(data_samples, patch_size):
    """(B, L) fraction of each patch's pixels with a non-background class."""
    maps = torch.stack([s.gt_parsing for s in data_samples])  # (B, H, W)
    face = (maps > 0).float()[:, None]  # (B, 1, H, W)
    return F.avg_pool2d(face, patch_size).flatten(1)  # (B, L)


class ToyLearnedMask(BaseMaskGenerator):
    """A scorer ω = sigmoid(Linear(token)) in [0, 1], the highest masked,
    trained by L1 to the face density of each patch (an EMPD Eq. 6-like
    ``loss_mask``) when the samples carry parsing maps."""

    def __init__(self, embed_dims, patch_size, mask_ratio=0.5,
                 loss_weight=0.5):
        super().__init__(mask_ratio=mask_ratio)
        self.scorer = nn.Linear(embed_dims, 1)
        self.patch_size = patch_size
        self.loss_weight = loss_weight

    def scores(self, tokens, data_samples=None):
        return torch.sigmoid(self.scorer(tokens)).squeeze(-1)  # (B, L)

    def losses(self, scores, tokens, data_samples=None):
        if not data_samples or any('gt_parsing' not in s
                                   for s in data_samples):
            return {}
        target = face_density(data_samples, self.patch_size)  # (B, L)
        l1 = (scores - target).abs().sum(1).mean()
        return dict(loss_mask=self.loss_weight * l1)


class DensityMask(BaseMaskGenerator):
    """Masks the patches with the most face pixels (read from the maps)."""

    def scores(self, tokens, data_samples=None):
        return face_density(data_samples, P).to(tokens)


def samples_with_faces(B=2, size=32):
    """Data samples whose parsing maps hold a face in a random box."""
    g = torch.Generator().manual_seed(0)
    out = []
    for _ in range(B):
        m = torch.zeros(size, size, dtype=torch.uint8)
        y, x = torch.randint(0, size // 2, (2, ), generator=g).tolist()
        m[y:y + size // 2, x:x + size // 2] = 1  # skin
        m[y + 2:y + 5, x + 3:x + 6] = 4  # an eye
        out.append(FERDataSample().set_parsing(m))
    return out


def tiny_model(generator):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MCM',
            modalities=('rgb', 'depth'),
            backbone=dict(type='MaskedViT', arch=TINY, img_size=32,
                          patch_size=P, mask_generator=generator),
            neck=dict(type='MultiModalMAEDecoders', num_patches=16,
                      patch_size=P, embed_dim=32, decoder_embed_dim=32,
                      decoder_num_heads=2,
                      decoder_depths=dict(rgb=1, depth=1)),
            head=dict(type='MultiModalReconstructionHead', patch_size=P),
            channel_mixing=dict(type='BatchChannelMixing', patch_size=P)))
    model.init_weights()
    return model


def test_generator_sees_the_data_samples():
    samples = samples_with_faces()
    tokens = torch.rand(2, 16, 4)
    res = DensityMask(mask_ratio=0.75)(tokens, samples)
    assert isinstance(res, MaskResult) and res.losses == {}
    density = face_density(samples, P)
    for b in range(2):  # the 12 masked patches are the 12 densest
        masked = density[b][res.mask[b] == 1]
        visible = density[b][res.mask[b] == 0]
        assert res.kept.shape == (2, 4, 4)
        assert masked.min() >= visible.max()


def test_learned_loss_reaches_the_model_and_trains_the_scorer():
    gen = ToyLearnedMask(embed_dims=32, patch_size=P)
    model = tiny_model(gen)
    x, samples = torch.rand(2, 4, 32, 32), samples_with_faces()
    losses = model.loss(x, samples)
    assert sorted(losses) == ['loss_depth', 'loss_mask', 'loss_rgb']
    # loss_mask is the generator's, computed from the same scores
    model.backbone.mask_generator.scorer.zero_grad()
    total, log = model.parse_losses(losses)
    assert 'loss_mask' in log
    torch.testing.assert_close(
        total, losses['loss_rgb'] + losses['loss_depth'] + losses['loss_mask'])
    total.backward()
    grad = gen.scorer.weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_argsort_passes_no_gradient_to_the_scorer():
    """STACK.md: the selection is argsort-based, so the reconstruction
    losses give the scorer no gradient; only its own loss does."""
    gen = ToyLearnedMask(embed_dims=32, patch_size=P)
    model = tiny_model(gen)
    losses = model.loss(torch.rand(2, 4, 32, 32), samples_with_faces())
    (losses['loss_rgb'] + losses['loss_depth']).backward()
    assert gen.scorer.weight.grad is None
    # ... while the patch embedding (before the selection) does learn
    assert model.backbone.patch_embed.projection.weight.grad.abs().sum() > 0


def test_no_samples_no_loss_and_spatial_mask_adds_nothing():
    gen = ToyLearnedMask(embed_dims=32, patch_size=P)
    assert sorted(tiny_model(gen).loss(torch.rand(2, 4, 32, 32))) == [
        'loss_depth', 'loss_rgb']
    spatial = tiny_model(dict(type='SpatialMask', mask_ratio=0.5))
    assert sorted(spatial.loss(torch.rand(2, 4, 32, 32),
                               samples_with_faces())) == [
        'loss_depth', 'loss_rgb']


def test_bad_results_and_name_clashes_raise():
    t = torch.rand(2, 16, 4)
    res = SpatialMask()(t)
    with pytest.raises(ValueError, match="start with 'loss'"):
        MaskResult(res.kept, res.mask, res.ids_restore,
                   dict(mask_l1=torch.tensor(1.)))
    with pytest.raises(ValueError, match='ids_restore'):
        MaskResult(res.kept, res.mask, res.ids_restore[:, :3])
    with pytest.raises(ValueError, match='3 data samples'):
        SpatialMask()(t, samples_with_faces(3))

    class Clash(ToyLearnedMask):
        def losses(self, scores, tokens, data_samples=None):
            return dict(loss_rgb=scores.sum())

    with pytest.raises(ValueError, match='loss_mask'):
        tiny_model(Clash(32, P)).loss(torch.rand(2, 4, 32, 32))
