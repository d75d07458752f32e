"""tools/misc/run_au_folds.py: metric collection, 3-fold mean, resuming."""
import importlib.util
import json
import math
import os
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'run_au_folds.py')
BASE = osp.join(REPO, 'configs', '_base_')
AUS = ['AU1', 'AU2', 'AU4', 'AU6', 'AU7', 'AU10', 'AU12', 'AU14', 'AU15',
       'AU17', 'AU23', 'AU24']


def _load_tool():
    spec = importlib.util.spec_from_file_location('run_au_folds', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def _write_scalars(work_dir, records, stamp='20261122_000000'):
    """A scalars.json as mmengine's LocalVisBackend writes it."""
    d = osp.join(work_dir, stamp, 'vis_data')
    os.makedirs(d, exist_ok=True)
    with open(osp.join(d, 'scalars.json'), 'w') as f:
        for r in records:
            f.write(json.dumps(r) + '\n')


def _val_record(base, step):
    rec = {f'au/F1_{a}': base + i for i, a in enumerate(AUS)}
    rec['au/F1_mean'] = base + (len(AUS) - 1) / 2
    rec['au/accuracy'] = 90.0
    rec['data_time'] = 0.01
    rec['time'] = 0.1
    rec['step'] = step
    return rec


def test_collects_the_final_validation_and_averages_folds(tmp_path):
    for fold, base in ((1, 40.0), (2, 50.0), (3, 60.0)):
        wd = tmp_path / f'fold{fold}'
        train = {'lr': 1e-3, 'loss': 0.5, 'epoch': 1, 'iter': 10,
                 'step': 10}
        # two validations: the final one (epoch 2) must be used
        _write_scalars(str(wd), [train, _val_record(base - 30, 1), train,
                                 _val_record(base, 2)])
    per_fold = {k: tool.final_au_metrics(str(tmp_path / f'fold{k}'))
                for k in (1, 2, 3)}
    assert list(per_fold[1])[:2] == ['F1_AU1', 'F1_AU2']
    assert 'accuracy' not in per_fold[1] and 'F1_mean' in per_fold[1]
    assert per_fold[2]['F1_AU1'] == 50.0
    summary = tool.summarize(per_fold)
    assert summary['mean']['F1_AU1'] == pytest.approx(50.0)
    assert summary['mean']['F1_AU24'] == pytest.approx(61.0)
    assert summary['mean']['F1_mean'] == pytest.approx(55.5)
    table = tool.format_table(summary)
    lines = table.splitlines()
    assert lines[0].startswith('| fold | AU1 | AU2 |')
    assert lines[-1].startswith('| mean | 50.0 | 51.0 |')
    # NaN (AU without positives in a fold) is left out of the mean
    per_fold[3]['F1_AU2'] = float('nan')
    assert tool.summarize(per_fold)['mean']['F1_AU2'] == pytest.approx(46.0)
    assert math.isnan(tool.summarize(
        {1: dict(F1_AU1=float('nan'))})['mean']['F1_AU1'])


def test_newest_run_with_validation_wins_and_errors(tmp_path):
    wd = str(tmp_path / 'fold1')
    _write_scalars(wd, [_val_record(10, 1)], stamp='20261122_000000')
    _write_scalars(wd, [_val_record(20, 1)], stamp='20261122_010000')
    # a resumed run that only trained: falls back to the older run
    _write_scalars(wd, [{'loss': 1.0, 'step': 1}], stamp='20261122_020000')
    assert tool.final_au_metrics(wd)['F1_AU1'] == 20
    with pytest.raises(FileNotFoundError, match='F1_'):
        tool.final_au_metrics(str(tmp_path / 'empty'))


def test_fold_done_needs_final_checkpoint_and_metrics(tmp_path):
    wd = tmp_path / 'fold1'
    wd.mkdir()
    assert not tool.fold_done(str(wd))
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_5.pth'))
    (wd / 'fold_metrics.json').write_text('{}')
    assert not tool.fold_done(str(wd))          # checkpoint file missing
    (wd / 'epoch_5.pth').write_bytes(b'x')
    assert tool.fold_done(str(wd))


def _tiny_config(tmp_path, data_root):
    cfg = tmp_path / 'tiny_au.py'
    cfg.write_text(f"""
_base_ = [
    '{BASE}/datasets/synthface_bp4d_au_64px.py',
    '{BASE}/default_runtime.py',
]
data_root = '{data_root}'
auto_generate = dict(subjects=3, tasks=2, frames=4, size=32, seed=0)
train_dataloader = dict(batch_size=8, num_workers=0, dataset=dict(
    data_root=data_root, auto_generate=auto_generate))
val_dataloader = dict(batch_size=16, num_workers=0, dataset=dict(
    data_root=data_root, auto_generate=auto_generate))
test_dataloader = val_dataloader
model = dict(
    type='FERClassifier',
    data_preprocessor=dict(type='FERDataPreprocessor', mean=[127.5] * 3,
                           std=[127.5] * 3),
    backbone=dict(type='mmpretrain.VisionTransformer',
                  arch=dict(embed_dims=32, num_layers=1, num_heads=2,
                            feedforward_channels=64),
                  img_size=32, patch_size=8, out_type='featmap'),
    head=dict(type='AUClsHead', num_classes=12, in_channels=32,
              loss=dict(type='WeightedBCELoss')))
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=1))
""")
    return str(cfg)


def test_real_tiny_run_then_resume_skips(tmp_path, capsys):
    cfg = _tiny_config(tmp_path, str(tmp_path / 'data'))
    root = str(tmp_path / 'folds')
    summary = tool.main([cfg, '--work-dir-root', root, '--folds', '1'])
    assert set(summary['folds']) == {'1'}
    assert list(summary['mean'])[:12] == [f'F1_{a}' for a in AUS]
    assert all(0 <= v <= 100 or math.isnan(v)
               for v in summary['mean'].values())
    assert tool.fold_done(osp.join(root, 'fold1'))
    from mmengine.config import Config
    dumped = Config.fromfile(osp.join(root, 'fold1', 'tiny_au.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert dumped[key]['dataset']['fold'] == 1
    saved = json.load(open(osp.join(root, 'folds_summary.json')))
    assert set(saved['mean']) == set(summary['mean'])
    capsys.readouterr()
    again = tool.main([cfg, '--work-dir-root', root, '--folds', '1'])
    out = capsys.readouterr().out
    assert 'fold 1: finished, skipped' in out and '| mean |' in out
    assert json.dumps(again, sort_keys=True) == json.dumps(summary,
                                                           sort_keys=True)
