"""Train / resume / load_from on the quickstart config, in-process."""
import json
import os.path as osp
import uuid

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from quickstart_helpers import QUICKSTART, quickstart_overrides


def _train(data_root, work_dir, max_epochs, resume=False, load_from=None):
    cfg = Config.fromfile(QUICKSTART)
    cfg.merge_from_dict(
        quickstart_overrides(data_root, work_dir, max_epochs=max_epochs))
    cfg.experiment_name = f'test_{uuid.uuid4().hex[:8]}'
    cfg.resume = resume
    cfg.load_from = load_from
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _losses(runner):
    path = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    return {r['step']: r['loss'] for r in rows if 'loss' in r}


def test_resume_gives_the_same_losses_as_straight_training(
        tiny_synthface, tmp_path):
    straight = _train(tiny_synthface, str(tmp_path / 'straight'), 4)
    first = _train(tiny_synthface, str(tmp_path / 'halves'), 2)
    resumed = _train(tiny_synthface, str(tmp_path / 'halves'), 4,
                     resume=True)
    assert resumed.epoch == 4
    full, second = _losses(straight), _losses(resumed)
    half = _losses(first)
    assert sorted(second)[0] == max(half) + 1  # continued after epoch 2
    assert len(second) >= 4
    for step, loss in second.items():
        assert loss == pytest.approx(full[step], rel=1e-6, abs=1e-7), step
    for step, loss in half.items():
        assert loss == pytest.approx(full[step], rel=1e-6, abs=1e-7), step
    # the final weights agree too
    a = straight.model.state_dict()
    b = resumed.model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)


def test_load_from_starts_from_checkpoint_weights(tiny_synthface, tmp_path):
    src = _train(tiny_synthface, str(tmp_path / 'src'), 1)
    ckpt = osp.join(str(tmp_path / 'src'), 'epoch_1.pth')
    cfg = Config.fromfile(QUICKSTART)
    cfg.merge_from_dict(
        quickstart_overrides(tiny_synthface, str(tmp_path / 'dst'), 1))
    cfg.experiment_name = f'test_{uuid.uuid4().hex[:8]}'
    cfg.load_from = ckpt
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    assert runner.epoch == 0  # weights only, not the training state
    for k, v in src.model.state_dict().items():
        torch.testing.assert_close(runner.model.state_dict()[k], v)
