"""Every config under configs/ parses and builds its model."""
import glob
import json
import os.path as osp

import pytest
from mmengine.config import Config

from mmfer.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if '_base_' not in p.split(osp.sep))


def _model_key(cfg):
    model = cfg.model.to_dict()
    # the pretrained file does not change the architecture
    return json.dumps(model, sort_keys=True, default=str)


_BUILT = {}


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') == 'mmfer', \
        'configs must inherit _base_/default_runtime.py'
    for key in ('train_dataloader', 'optim_wrapper', 'train_cfg'):
        assert key in cfg, f'{path} has no {key}'
    key = _model_key(cfg)
    if key in _BUILT:  # same architecture as an earlier config
        return
    model = MODELS.build(cfg.model)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params > 0
    _BUILT[key] = n_params
    del model


def test_there_are_configs():
    assert any('quickstart' in p for p in CONFIGS)
