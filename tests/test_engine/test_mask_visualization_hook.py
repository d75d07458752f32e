"""MaskVisualizationHook (ESGM grids, EMPD Fig. 4) and the ESGM tools."""
import logging
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from mmfer.engine.hooks import MaskVisualizationHook
from mmfer.engine.hooks.mask_visualization_hook import (esgm_mask_maps,
                                                        load_batch, mask_grid)
from mmfer.registry import HOOKS, MODELS
from mmfer.structures import FERDataSample
from tool_scripts import load_tool

S, P = 32, 8  # 4 x 4 patches
TINY = dict(embed_dims=32, num_layers=1, num_heads=2, feedforward_channels=64)


def tiny_mae(generator=None):
    torch.manual_seed(0)
    generator = generator or dict(type='ESGM',
                                  mask_ratio=0.25,
                                  embed_dims=32,
                                  num_heads=2,
                                  num_patches=16,
                                  patch_size=P,
                                  parsing_vocabulary='synthface')
    return MODELS.build(
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
                           mask_generator=generator),
             neck=dict(type='MultiModalMAEDecoders',
                       num_patches=16,
                       patch_size=P,
                       embed_dim=32,
                       decoder_embed_dim=32,
                       decoder_num_heads=2,
                       decoder_depths=dict(rgb=1)),
             head=dict(type='MultiModalReconstructionHead', patch_size=P)))


def packed_dataset(n=3, parsing=True):
    """Packed samples as PackFERInputs returns them; the left half of
    each parsing map is skin (an expression class), the right background."""
    items = []
    for i in range(n):
        sample = FERDataSample()
        if parsing:
            m = np.zeros((S, S), np.uint8)
            m[:, :S // 2] = 1
            sample.set_parsing(m)
        img = torch.full((3, S, S), 40 * i, dtype=torch.uint8)
        items.append(dict(inputs=img, data_samples=sample))
    return items


def fake_runner(tmp_path, model, dataset, epoch=0, it=0, max_epochs=10):
    return SimpleNamespace(model=model,
                           train_dataloader=SimpleNamespace(dataset=dataset),
                           work_dir=str(tmp_path),
                           epoch=epoch,
                           iter=it,
                           max_epochs=max_epochs,
                           logger=logging.getLogger('test_mask_vis'))


def test_maps_shapes_and_grid_columns():
    model = tiny_mae()
    inputs, samples = load_batch(packed_dataset(), range(3),
                                 model.data_preprocessor)
    maps = esgm_mask_maps(model, inputs, samples)
    assert maps['omega'].shape == maps['attention'].shape == (3, 16)
    assert (maps['mask'].sum(1) == 4).all()  # floor(0.25 * 16)
    assert maps['valid'].all() and maps['grid'] == (4, 4)
    # the patch means of M_exp: left two patch columns 1, right two 0
    expected = torch.tensor([1., 1., 0., 0.]).repeat(4)
    torch.testing.assert_close(maps['m_exp'][0], expected)
    torch.testing.assert_close(maps['rgb'][1], torch.full((3, S, S), 40.))
    # attention received per patch, averaged over queries: sums to 1
    torch.testing.assert_close(maps['attention'].sum(1), torch.ones(3))
    # the generator is left as it was (no stored attention by default)
    assert model.backbone.mask_generator.return_attention is False
    grid = mask_grid(maps, pad=2)
    assert grid.shape == (3 * S + 2 * 2, 5 * S + 4 * 2, 3)
    # masked patches are gray in the third column
    row0 = grid[:S, 2 * (S + 2):3 * (S + 2) - 2]
    m = maps['mask'][0].view(4, 4)
    r, c = [int(v) for v in torch.nonzero(m)[0]]
    assert (row0[r * P:(r + 1) * P, c * P:(c + 1) * P] == 127).all()


def test_hook_writes_pngs_per_epoch_and_per_iteration(tmp_path):
    model = tiny_mae()
    hook = HOOKS.build(
        dict(type='MaskVisualizationHook', interval=2, num_samples=2))
    runner = fake_runner(tmp_path, model, packed_dataset())
    hook.before_train(runner)
    hook.after_train_epoch(runner)  # epoch 1: not a multiple of 2
    assert not osp.exists(osp.join(tmp_path, 'vis_masks'))
    runner.epoch = 1
    state = torch.random.get_rng_state()
    hook.after_train_epoch(runner)
    assert torch.equal(state, torch.random.get_rng_state())  # RNG untouched
    img = cv2.imread(osp.join(tmp_path, 'vis_masks', 'epoch_2.png'))
    assert img.shape == (2 * S + 2, 5 * S + 8, 3)

    by_iter = MaskVisualizationHook(interval=3, by_epoch=False, out_dir='it')
    runner = fake_runner(tmp_path, model, packed_dataset(parsing=False), it=2)
    by_iter.after_train_iter(runner, 0)
    img = cv2.imread(osp.join(tmp_path, 'it', 'iter_3.png'))
    # without parsing maps the M_exp column is blank (white)
    assert (img[:S, 4 * (S + 2):] == 255).all()


def test_hook_refuses_a_model_without_esgm(tmp_path):
    model = tiny_mae(dict(type='SpatialMask', mask_ratio=0.5))
    with pytest.raises(TypeError, match="mask_generator=dict\\(type='ESGM'"):
        MaskVisualizationHook().before_train(
            fake_runner(tmp_path, model, packed_dataset()))
    with pytest.raises(ValueError, match='interval'):
        MaskVisualizationHook(interval=0)


_tool = load_tool


def test_mask_stats_esgm_vs_random_on_a_fixed_layout():
    """Fraction of masked patches in M_exp: a scorer that learned the
    expression side masks only it; random masking finds it at its area."""
    stats = _tool('analysis_tools', 'esgm_mask_stats.py')
    model = tiny_mae()
    gen = model.backbone.mask_generator
    torch.nn.init.zeros_(gen.mlp[-1].weight)
    with torch.no_grad():  # omega high on the left (skin) half
        gen.mlp[-1].bias.copy_(torch.tensor([3., 3., -3., -3.]).repeat(4))
    dataset = packed_dataset(4)
    res = stats.mask_statistics(model,
                                dataset,
                                num=4,
                                batch_size=2,
                                num_random=8)
    assert res['esgm']['in_exp'] == 1.0 and res['esgm']['mean_exp'] == 1.0
    assert res['all_patches']['in_exp'] == 0.5
    assert 0.2 < res['random']['in_exp'] < 0.8
    assert res['num_masked'] == 4 and res['num_patches'] == 16
