import os.path as osp
import sys

import torch
from mmengine.config import Config
from torch import nn

from mmfer.engine import BF16AutocastOptimWrapper
from mmfer.utils import merge_train_args
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_forward_runs_in_bf16_and_training_works():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    wrapper = BF16AutocastOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    x = torch.randn(64, 8)
    y = x[:, :1] * 2
    losses = []
    for _ in range(30):
        with wrapper.optim_context(model):
            out = model(x)
            assert out.dtype == torch.bfloat16
        loss = ((out.float() - y)**2).mean()
        wrapper.update_params(loss)
        losses.append(loss.item())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert losses[-1] < 0.3 * losses[0]


def test_train_amp_flag_selects_cpu_wrapper(monkeypatch):
    train = load_tool('train.py', name='mmfer_train_tool')
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'quickstart',
                 'resnet18-w32_synthface-expr-rgb-64px.py'))
    monkeypatch.setattr(sys, 'argv', ['train.py', 'x.py', '--amp'])
    args = train.parse_args()
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    cfg = merge_train_args(cfg, args)
    assert cfg.optim_wrapper.type == 'BF16AutocastOptimWrapper'
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = merge_train_args(Config.fromfile(
        osp.join(REPO, 'configs', 'quickstart',
                 'resnet18-w32_synthface-expr-rgb-64px.py')), args)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
