"""EMPD's ESGM (Sec. III-A): Eq. 2-6 and pre-training with Eq. 7-8."""
import math

import numpy as np
import pytest
import torch

from mmfer.models.mask_generators import ESGM, SpatialMask
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from mmfer.structures.parsing import expression_indicator_classes


def tiny_esgm(num_patches=4, patch_size=2, embed_dims=8, **kw):
    kw.setdefault('parsing_vocabulary', 'synthface')
    kw.setdefault('mask_ratio', 0.5)
    torch.manual_seed(0)
    return ESGM(embed_dims=embed_dims,
                num_heads=2,
                num_patches=num_patches,
                patch_size=patch_size,
                **kw)


def set_weights(gen, omega):
    """Make omega constant: zero last MLP weight, bias = logit(omega)."""
    last = gen.mlp[-1]
    torch.nn.init.zeros_(last.weight)
    with torch.no_grad():
        last.bias.copy_(torch.logit(torch.tensor(omega)))


def sample(parsing):
    return FERDataSample().set_parsing(torch.tensor(parsing,
                                                    dtype=torch.uint8))


# a 4 x 4 SynthFace map = 2 x 2 patches of 2 x 2 pixels
# patch 0: skin (M_exp mean 1.0); patch 1: eye, hair (0.5);
# patch 2: background (0); patch 3: nose, padding (255), 2 glasses (0.25)
MAP = [[1, 1, 4, 10],
       [1, 1, 4, 10],
       [0, 0, 6, 255],
       [0, 0, 11, 11]]  # yapf: disable
TARGET = [1.0, 0.5, 0.0, 0.25]  # mean of M_exp (Eq. 5) per patch


def test_eq6_hand_checked_on_2x2_patches():
    gen = tiny_esgm()
    set_weights(gen, [0.9, 0.2, 0.4, 0.25])
    tokens = torch.rand(1, 4, 8)
    density, valid = gen.expression_density([sample(MAP)], 4)
    torch.testing.assert_close(density, torch.tensor([TARGET]))
    loss = gen(tokens, [sample(MAP)]).losses['loss_mask']
    # |0.9 - 1| + |0.2 - 0.5| + |0.4 - 0| + |0.25 - 0.25| = 0.8
    torch.testing.assert_close(loss, torch.tensor(0.8))

    weighted = tiny_esgm(loss_weight=2.0, loss_reduction='mean')
    set_weights(weighted, [0.9, 0.2, 0.4, 0.25])
    torch.testing.assert_close(
        weighted(tokens, [sample(MAP)]).losses['loss_mask'],
        torch.tensor(2.0 * 0.8 / 4))  # lambda_1 * Eq. 6 / N_p


def test_loss_averages_over_samples_with_parsing_only():
    gen = tiny_esgm()
    set_weights(gen, [0.5, 0.5, 0.5, 0.5])
    empty = np.zeros((4, 4), np.uint8)  # all background: target 0
    samples = [sample(MAP), FERDataSample(), sample(empty)]
    loss = gen(torch.rand(3, 4, 8), samples).losses['loss_mask']
    # (|.5-1| + 0 + .5 + .25) = 1.25 and 4 * 0.5 = 2; the unparsed one
    # is left out of the mean
    torch.testing.assert_close(loss, torch.tensor((1.25 + 2.0) / 2))


def test_celebamask_hq_vocabulary_drops_eyeglasses():
    gen = tiny_esgm(parsing_vocabulary='celebamask_hq')
    eye_g, l_eye = 3, 4
    m = [[eye_g, l_eye, 0, 0], [eye_g, l_eye, 0, 0], [1, 1, 0, 0],
         [1, 1, 0, 0]]
    density, _ = gen.expression_density([sample(m)], 4)
    torch.testing.assert_close(density, torch.tensor([[0.5, 0, 1, 0]]))
    assert gen.expression_ids == expression_indicator_classes('celebamask_hq')


def test_weights_in_unit_range_and_eq4_masks_the_floor_of_mr_np():
    for L, ratio, n_masked in [(64, 0.2, 12), (196, 0.2, 39), (16, 0.5, 8),
                               (100, 0.29, 29)]:
        gen = tiny_esgm(num_patches=L, mask_ratio=ratio, embed_dims=16)
        tokens = torch.randn(3, L, 16)
        res = gen(tokens)
        omega = gen.scores(tokens)
        assert omega.shape == (3, L)
        assert ((omega >= 0) & (omega <= 1)).all()
        assert (res.mask.sum(1) == n_masked).all()
        assert n_masked == math.floor(ratio * L + 1e-6)
        assert res.kept.shape == (3, L - n_masked, 16)
        for b in range(3):  # Eq. 4: the largest omega are masked
            assert omega[b][res.mask[b] == 1].min() >= \
                omega[b][res.mask[b] == 0].max()
    # MAE's rule (SpatialMask) masks ceil(0.2 * 64) = 13 here
    assert SpatialMask(0.2)(torch.rand(1, 64, 4)).mask.sum() == 13


def test_no_parsing_gives_zero_loss_connected_to_the_graph():
    for samples in (None, [FERDataSample(), FERDataSample()]):
        gen = tiny_esgm()
        loss = gen(torch.rand(2, 4, 8), samples).losses['loss_mask']
        assert loss.item() == 0.0 and loss.requires_grad
        loss.backward()
        for name, p in gen.named_parameters():  # DDP: every param in graph
            assert p.grad is not None and (p.grad == 0).all(), name


def test_attention_map_for_visualisation():
    gen = tiny_esgm(num_patches=16, return_attention=True)
    gen(torch.rand(2, 16, 8))
    att = gen.last_attention
    assert att.shape == (2, 16, 16) and not att.requires_grad
    torch.testing.assert_close(att.sum(-1), torch.ones(2, 16))
    assert gen.last_weights.shape == (2, 16)
    assert tiny_esgm(num_patches=16).last_attention is None  # off by default


def test_bad_arguments_name_the_fix():
    with pytest.raises(ValueError, match='parsing_vocabulary'):
        ESGM(embed_dims=8, num_heads=2, num_patches=4, patch_size=2)
    with pytest.raises(ValueError, match='masks at least one'):
        tiny_esgm(mask_ratio=0.1)  # floor(0.1 * 4) = 0
    with pytest.raises(ValueError, match='loss_reduction'):
        tiny_esgm(loss_reduction='max')
    gen = tiny_esgm()
    with pytest.raises(ValueError, match='num_patches'):
        gen(torch.rand(1, 9, 8))
    with pytest.raises(ValueError, match='LoadParsingMap'):
        gen(torch.rand(1, 4, 8), [sample(np.zeros((6, 6), np.uint8))])


# ----------------------------------------------------------------------
# in the MAE (EMPD's pre-training: MCM machinery, RGB only, one decoder)
P, S = 4, 32  # 32 x 32 images, 8 x 8 = 64 patches
TINY = dict(embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64)


def tiny_mae(mask_ratio=0.2):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='MCM',
             modalities=('rgb', ),
             channel_mixing=None,
             data_preprocessor=dict(type='FERDataPreprocessor',
                                    mean=[127.5] * 3,
                                    std=[64.0] * 3),
             backbone=dict(type='MaskedViT',
                           arch=TINY,
                           img_size=S,
                           patch_size=P,
                           mask_generator=dict(
                               type='ESGM',
                               mask_ratio=mask_ratio,
                               embed_dims=32,
                               num_heads=2,
                               num_patches=64,
                               patch_size=P,
                               parsing_vocabulary='synthface')),
             neck=dict(type='MultiModalMAEDecoders',
                       num_patches=64,
                       patch_size=P,
                       embed_dim=32,
                       decoder_embed_dim=32,
                       decoder_num_heads=2,
                       decoder_depths=dict(rgb=1)),
             head=dict(type='MultiModalReconstructionHead', patch_size=P)))
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def synthface_batch():
    """8 SynthFace renders (lab / wild / lowres) with their parsing."""
    from mmfer.datasets.synthface import SynthFaceRenderer, sample_subject
    r = SynthFaceRenderer(S)
    domains = ('lab', 'wild', 'lowres')
    outs = [
        r.render(sample_subject(0, i), {
            12: 3.0,
            4: 1.0 * (i % 3)
        },
                 domain=domains[i % 3],
                 seed=i) for i in range(8)
    ]
    imgs = torch.stack([
        torch.from_numpy(o['rgb']).permute(2, 0, 1) for o in outs
    ]).float()  # (8, 3, S, S)
    samples = [sample(o['parsing']) for o in outs]
    return (imgs - 127.5) / 64.0, samples


def test_reconstruction_gives_esgm_no_gradient_only_l_mask_does(
        synthface_batch):
    """The argsort passes no gradient through the mask: L_rec (Eq. 7)
    leaves the scorer untouched, L_mask (Eq. 6) trains it."""
    model = tiny_mae()
    gen = model.backbone.mask_generator
    x, samples = synthface_batch
    losses = model.loss(x, samples)
    assert sorted(losses) == ['loss_mask', 'loss_rgb']
    losses['loss_rgb'].backward(retain_graph=True)
    for name, p in gen.named_parameters():
        assert p.grad is None or (p.grad == 0).all(), name
    model.zero_grad()
    losses['loss_mask'].backward()
    for name, p in gen.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # Eq. 8 with lambda_1 = 1: mmengine sums the loss* terms
    total, _ = model.parse_losses(losses)
    torch.testing.assert_close(total, losses['loss_rgb'] + losses['loss_mask'])


def in_exp_fraction(mask, density):
    """Fraction of the masked patches whose M_exp mean is > 0.5."""
    return ((density > 0.5).float() * mask).sum() / mask.sum()


def test_pretraining_concentrates_the_mask_on_expression_patches(
        synthface_batch):
    model = tiny_mae()
    gen = model.backbone.mask_generator
    x, samples = synthface_batch
    density, _ = gen.expression_density(samples, 64)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    first, threads = None, torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: threads only add sync overhead
    try:
        for _ in range(50):  # L_pt = L_rec + lambda_1 L_mask (Eq. 8)
            losses = model.loss(x, samples)
            if first is None:
                first = losses['loss_mask'].item()
            opt.zero_grad()
            sum(losses.values()).backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    assert losses['loss_mask'].item() < 0.5 * first
    with torch.no_grad():
        _, mask, _, _ = model.backbone(x, data_samples=samples)
        torch.manual_seed(0)
        rand = torch.stack([
            SpatialMask(0.2)(torch.rand(8, 64, 1)).mask for _ in range(20)
        ])  # (20, 8, 64)
    esgm_frac = in_exp_fraction(mask, density).item()
    rand_frac = in_exp_fraction(rand, density.expand_as(rand)).item()
    # about 40% of the patches are expression patches: random masking
    # finds them at that rate, ESGM masks almost only them
    assert rand_frac < 0.55 and esgm_frac > 0.9, (esgm_frac, rand_frac)


def test_two_stage_configs_supervise_then_freeze_esgm():
    """Sec. IV-A: stage 1 on CelebAMask-HQ with parsing (celebamask_hq
    vocabulary), stage 2 without parsing, ESGM kept as learned (AdamW's
    decoupled weight decay would otherwise shrink it)."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    root = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'empd')
    s1 = Config.fromfile(
        osp.join(
            root, 'empd_vit-base-p16_esgm-warmup_20e_celebamask-hq_'
            'pretrain.py'))
    s2 = Config.fromfile(
        osp.join(
            root, 'empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_'
            'pretrain.py'))
    gen = s1.model.backbone.mask_generator
    assert (gen.type, gen.parsing_vocabulary,
            gen.loss_weight) == ('ESGM', 'celebamask_hq', 1.0)
    steps = [t['type'] for t in s1.train_dataloader.dataset.pipeline]
    assert 'LoadParsingMap' in steps
    assert (s1.train_cfg.max_epochs, s2.train_cfg.max_epochs) == (20, 350)
    for cfg in (s1, s2):
        opt = cfg.optim_wrapper.optimizer
        assert (opt.type, opt.lr, opt.weight_decay) == ('AdamW', 1.5e-4, 0.05)
        assert cfg.param_scheduler[0].type == 'CosineAnnealingLR'
    assert s2.load_from.endswith('celebamask-hq_pretrain/epoch_20.pth')
    assert all('LoadParsingMap' not in [t['type'] for t in d.pipeline]
               for d in s2.train_dataloader.dataset.datasets)
    model = tiny_mae()
    groups = build_optim_wrapper(model, s2.optim_wrapper).optimizer
    names = {id(p): n for n, p in model.named_parameters()}
    for g in groups.param_groups:
        frozen = names[id(
            g['params'][0])].startswith('backbone.mask_generator')
        assert (g['lr'] == 0 and g['weight_decay'] == 0) == frozen
