"""MCM configs and tools: fine-tuning schedule, parameter counts,
reconstruction grids."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmfer.registry import MODELS, PARAM_SCHEDULERS
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MCM = osp.join(REPO, 'configs', 'mcm')


_tool = load_tool


def test_finetune_schedule_cosine_and_step_at_epoch_3():
    """Sec. 4.3: 5 epochs, cosine, lr / 10 from the 3rd epoch on."""
    cfg = Config.fromfile(osp.join(MCM, 'vit-b_bp4d_rgbd.py'))
    assert cfg.train_cfg.max_epochs == 5
    assert cfg.optim_wrapper.paramwise_cfg.layer_decay_rate == 0.75
    assert cfg.model.backbone.drop_path_rate == 0.1
    base = cfg.optim_wrapper.optimizer.lr
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=base)
    n = 10  # iterations per epoch
    scheds = [
        PARAM_SCHEDULERS.build(
            c, default_args=dict(optimizer=opt, epoch_length=n))
        for c in cfg.param_scheduler
    ]
    lrs = []
    for _ in range(5):
        for _ in range(n):
            lrs.append(opt.param_groups[0]['lr'])
            for s in scheds:
                if not s.by_epoch:
                    s.step()
        for s in scheds:
            if s.by_epoch:
                s.step()
    for t in (0, 15, 29, 30, 31, 45):
        cosine = base * (1 + math.cos(math.pi * t / 50)) / 2
        expected = cosine * (0.1 if t >= 30 else 1.0)
        assert lrs[t] == pytest.approx(expected, rel=1e-5, abs=1e-12), t


def test_pretrain_recipe():
    cfg = Config.fromfile(
        osp.join(MCM, 'mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py'))
    opt = cfg.optim_wrapper.optimizer
    assert (opt.lr, opt.weight_decay, tuple(opt.betas)) == (2e-4, 0.05,
                                                            (0.9, 0.95))
    assert cfg.train_cfg.max_epochs == 100
    warm, cos = cfg.param_scheduler
    assert warm.end == 40 and cos.begin == 40 and cos.eta_min == 1e-6
    assert cfg.train_dataloader.batch_size == 64
    assert cfg.model.backbone.mask_generator.mask_ratio == 0.5
    assert cfg.model.neck.decoder_depths == dict(rgb=8, depth=4, thermal=4)


def test_count_params_full_size(capsys):
    """Paper: 125M parameters in total, 85M in the encoder (we measure
    138.4M: three 512-wide decoders of 8 + 4 + 4 blocks hold 52.6M)."""
    rows = _tool('analysis_tools', 'count_params.py').main(
        [osp.join(MCM, 'mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py'),
         '--depth', '3'])
    total, _ = rows['(model)']
    encoder, _ = rows['backbone']
    assert encoder == pytest.approx(85.8e6, rel=0.01)
    decoders = sum(rows[f'neck.decoders.{m}'][0]
                   for m in ('rgb', 'depth', 'thermal'))
    assert total == encoder + decoders
    assert rows['neck.decoders.rgb'][0] > 1.9 * rows['neck.decoders.depth'][0]
    assert 'neck.decoders.thermal' in capsys.readouterr().out


def test_reconstruction_grid():
    from mmfer.engine.hooks.mcm_reconstruction_hook import \
        reconstruction_grid
    cfg = Config.fromfile(
        osp.join(MCM, 'mcm_vit-tiny-p8_synthface-bp4dplus-rgbdt_pretrain.py'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    x = model.data_preprocessor(
        dict(inputs=[torch.randint(0, 256, (5, 64, 64), dtype=torch.uint8)
                     for _ in range(2)]), False)['inputs']
    grid = reconstruction_grid(model, x, pad=2)
    # 2 rows; columns: RGB, masked mixed input, recon RGB, Depth, Thermal
    assert grid.shape == (2 * 64 + 2, 5 * 64 + 4 * 2, 3)
    assert grid.dtype == np.uint8
    tile = grid[:64, 66:130]  # masked input: half the 8x8 patches gray
    gray = (tile.reshape(8, 8, 8, 8, 3) == 127).all(axis=(1, 3, 4))
    assert gray.sum() == 32
