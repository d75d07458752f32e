"""Every config under configs/ parses and builds its model; every ``_base_``
file parses on its own, and the pipeline steps and dataset types of both
name registered classes."""
import glob
import json
import os.path as osp

import pytest
from mmengine.config import Config

from mmfer.registry import DATASETS, MODELS, TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
ALL = sorted(
    glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))
CONFIGS = [p for p in ALL if '_base_' not in p.split(osp.sep)]
BASES = [p for p in ALL if '_base_' in p.split(osp.sep)]


def _model_key(cfg):
    model = cfg.model.to_dict()
    # the pretrained file does not change the architecture
    return json.dumps(model, sort_keys=True, default=str)


def _check_registered(cfg, path):
    """Dataset types and pipeline steps of the three dataloaders resolve."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader is None or 'dataset' not in loader:
            continue
        dataset = loader.dataset
        assert DATASETS.get(dataset.type) is not None, \
            f'{path}: {split} dataset type {dataset.type} is not registered'
        for step in dataset.get('pipeline', []):
            assert TRANSFORMS.get(step['type']) is not None, \
                f'{path}: {split} pipeline step {step["type"]} is not ' \
                'registered'


_BUILT = {}


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') == 'mmfer', \
        'configs must inherit _base_/default_runtime.py'
    for key in ('train_dataloader', 'optim_wrapper', 'train_cfg'):
        assert key in cfg, f'{path} has no {key}'
    _check_registered(cfg, path)
    key = _model_key(cfg)
    if key in _BUILT:  # same architecture as an earlier config
        return
    model = MODELS.build(cfg.model)
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params > 0
    _BUILT[key] = n_params
    del model


@pytest.mark.parametrize(
    'path', BASES, ids=[osp.relpath(p, REPO) for p in BASES])
def test_base_config_parses(path):
    """A ``_base_`` file parses alone (its own ``_base_`` chain included)
    and names only registered datasets and transforms; model bases name a
    registered model type."""
    cfg = Config.fromfile(path)
    assert len(cfg.keys()) > 0, f'{path} defines nothing'
    _check_registered(cfg, path)
    if 'model' in cfg:
        assert MODELS.get(cfg.model.type) is not None, \
            f'{path}: model type {cfg.model.type} is not registered'


def test_there_are_configs():
    assert any('quickstart' in p for p in CONFIGS)
    kinds = {p.split(osp.sep)[-2] for p in BASES}
    assert {'datasets', 'models', 'schedules'} <= kinds, kinds
