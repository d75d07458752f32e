"""tools/misc/run_dfer_folds.py: per-fold train+test, mean, resumability."""
import importlib.util
import json
import os
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from mmfer.datasets import DFEWDataset
from mmfer.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'run_dfer_folds.py')
BASE = osp.join(REPO, 'configs', '_base_')


@MODELS.register_module(force=True)
class TinyAVNetForFoldTest(BaseModel):
    """Mean colour + mean fbank -> linear: enough to exercise the loop."""

    def __init__(self, num_classes=7, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.fc = nn.Linear(3 + 128, num_classes)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        video = inputs['video']  # (B, T, 3, H, W)
        v = video.mean(dim=(1, 3, 4))  # (B, 3)
        a = inputs['audio'].mean(dim=(1, 2))  # (B, 128)
        logits = self.fc(torch.cat([v, a], dim=-1))
        if mode == 'loss':
            gt = torch.cat([d.gt_label for d in data_samples])
            return dict(loss=F.cross_entropy(logits, gt))
        if mode == 'predict':
            for d, score in zip(data_samples, logits.softmax(-1)):
                d.set_pred_score(score)
            return data_samples
        return logits


def _load_tool():
    spec = importlib.util.spec_from_file_location('run_dfer_folds', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny_dfew(tmp_path_factory):
    from mmfer.datasets.synthface import generate_layout
    root = tmp_path_factory.mktemp('dfew_folds') / 'dfew'
    generate_layout('dfew', root, subjects=5, samples=2, size=32, frames=8,
                    verbose=False)
    return str(root)


def _write_config(tmp_path, data_root):
    path = tmp_path / 'tiny_fold_cfg.py'
    path.write_text(f"""
_base_ = [{osp.join(BASE, 'datasets', 'synthface_dfew_64px.py')!r},
          {osp.join(BASE, 'default_runtime.py')!r}]
model = dict(
    type='TinyAVNetForFoldTest',
    data_preprocessor=dict(type='FERDataPreprocessor',
                           mean=dict(video=[0, 0, 0]),
                           std=dict(video=[255, 255, 255])))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
_loader = dict(num_workers=0, batch_size=4,
               dataset=dict(data_root={data_root!r}, auto_generate=None))
train_dataloader = _loader
val_dataloader = _loader
test_dataloader = _loader
default_hooks = dict(logger=dict(interval=1))
""")
    return str(path)


def test_runs_folds_reports_mean_and_resumes(tmp_path, tiny_dfew, capsys):
    tool = _load_tool()
    cfg = _write_config(tmp_path, tiny_dfew)
    work = str(tmp_path / 'work')
    out = tool.main([cfg, '--folds', '1', '2', '--work-dir', work])
    text = capsys.readouterr().out
    assert 'fold 1: training' in text and 'fold 2: training' in text
    assert 'mean' in text and 'expr/UAR' in text and 'expr/WAR' in text
    results = []
    for fold in (1, 2):
        with open(osp.join(work, f'fold_{fold}', 'fold_result.json')) as f:
            res = json.load(f)
        results.append(res)
        # the fold reached the datasets: its own official test split
        ref = DFEWDataset(tiny_dfew, fold=fold, split='test')
        assert res['test_clip_ids'] == [
            ref.get_data_info(i)['clip_id'] for i in range(len(ref))
        ]
        assert 0 <= res['metrics']['expr/WAR'] <= 100
    assert set(results[0]['test_clip_ids']).isdisjoint(
        results[1]['test_clip_ids'])
    mean_war = (results[0]['metrics']['expr/WAR'] +
                results[1]['metrics']['expr/WAR']) / 2
    assert out['summary']['expr/WAR']['mean'] == pytest.approx(mean_war)
    assert osp.isfile(osp.join(work, 'summary.json'))

    # second call: nothing retrained, results read back
    ckpt = osp.join(work, 'fold_1', 'epoch_1.pth')
    mtime = os.path.getmtime(ckpt)
    out2 = tool.main([cfg, '--folds', '1', '2', '--work-dir', work])
    assert 'done before' in capsys.readouterr().out
    assert os.path.getmtime(ckpt) == mtime
    assert out2['summary'] == out['summary']


def test_bad_folds_and_non_fold_datasets(tmp_path):
    tool = _load_tool()
    with pytest.raises(SystemExit):
        tool.parse_args(['x.py', '--folds', '0', '6'])
    with pytest.raises(KeyError, match='no "fold" argument'):
        tool.set_fold(dict(type='SynthFaceDataset'), 1, 'train_dataloader')
    wrapped = dict(type='RepeatDataset', times=2,
                   dataset=dict(type='DFEWDataset', fold=1))
    tool.set_fold(wrapped, 4, 'train_dataloader')
    assert wrapped['dataset']['fold'] == 4
