"""tools/misc/run_folds.py: mean +- std maths, fold states, and a real
2-fold run that resumes (finished folds are not retrained)."""
import json
import math
import os
import os.path as osp

import pytest
from mmengine.config import Config

from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_')
AUS = ['AU1', 'AU2', 'AU4', 'AU6', 'AU7', 'AU10', 'AU12', 'AU14', 'AU15',
       'AU17', 'AU23', 'AU24']


def _load_tool():
    return load_tool('misc', 'run_folds.py')


tool = _load_tool()


def test_mean_and_sample_std_over_folds():
    per_fold = {1: {'expr/UAR': 40.0, 'expr/WAR': 50.0},
                2: {'expr/UAR': 50.0, 'expr/WAR': 50.0},
                3: {'expr/UAR': 60.0, 'expr/WAR': float('nan')}}
    s = tool.summarize(per_fold)
    assert list(s['mean']) == ['expr/UAR', 'expr/WAR']
    assert s['mean']['expr/UAR'] == pytest.approx(50.0)
    # sample std: sqrt(((-10)^2 + 0 + 10^2) / (3 - 1)) = 10
    assert s['std']['expr/UAR'] == pytest.approx(10.0)
    # NaN left out: mean/std of (50, 50) over 2 folds
    assert s['mean']['expr/WAR'] == 50.0 and s['std']['expr/WAR'] == 0.0
    assert s['num_folds'] == {'expr/UAR': 3, 'expr/WAR': 2}
    one = tool.summarize({1: {'a': 3.0}})
    assert one['mean']['a'] == 3.0 and math.isnan(one['std']['a'])
    table = tool.format_table(per_fold, s).splitlines()
    assert table[0] == '| fold | UAR | WAR |'
    assert table[2] == '| 1 | 40.00 | 50.00 |'
    assert table[4] == '| 3 | 60.00 | nan |'
    assert table[-1] == '| mean ± std | 50.00 ± 10.00 | 50.00 ± 0.00 |'
    # mixed prefixes stay as they are
    assert tool._display_names(['au/F1', 'expr/UAR']) == ['au/F1',
                                                          'expr/UAR']


def test_scalar_metrics_and_fold_state(tmp_path):
    import numpy as np
    import torch
    out = tool.scalar_metrics(dict(a=np.float32(1.5), b=torch.tensor(2.0),
                                   c=[1, 2], d='x', e=3))
    assert out == dict(a=1.5, b=2.0, e=3.0)
    wd = tmp_path / 'fold_1'
    assert tool.fold_state(str(wd)) == 'new'
    wd.mkdir()
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_2.pth'))
    assert tool.fold_state(str(wd)) == 'new'  # checkpoint file missing
    (wd / 'epoch_2.pth').write_bytes(b'x')
    assert tool.fold_state(str(wd)) == 'partial'
    (wd / 'fold_result.json').write_text('{}')
    assert tool.fold_state(str(wd)) == 'done'


def test_arguments():
    args = tool.parse_args(['c.py', '--folds', '2', '3', '--resume',
                            '--cfg-options', 'a=1', '--amp'])
    assert args.folds == [2, 3] and args.resume and args.amp
    assert args.cfg_options == dict(a=1) and args.eval_split == 'test'
    with pytest.raises(SystemExit):
        tool.parse_args(['c.py', '--work-dir', 'x'])


def _tiny_au_config(tmp_path, data_root):
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


def test_real_two_fold_run_summary_and_resume(tmp_path, capsys):
    # 3 SynthFace subjects, one per published BP4D part
    cfg = _tiny_au_config(tmp_path, str(tmp_path / 'data'))
    root = str(tmp_path / 'folds')
    out = tool.main([cfg, '--work-dir-root', root, '--folds', '1', '2'])
    text = capsys.readouterr().out
    assert 'fold 1 (1/2): training' in text and 'fold 2 (2/2): training' \
        in text
    assert '| mean ± std |' in text and 'ddof=1' in text
    assert list(out['folds']) == ['1', '2']
    assert list(out['mean'])[:12] == [f'au/F1_{a}' for a in AUS]
    results = {}
    for k in (1, 2):
        with open(osp.join(root, f'fold_{k}', 'fold_result.json')) as f:
            results[k] = json.load(f)
        # the fold reached the datasets
        dumped = Config.fromfile(osp.join(root, f'fold_{k}', 'tiny_au.py'))
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert dumped[key]['dataset']['fold'] == k
        assert results[k]['units']['test'][0] == ['F007', 'M011'][k - 1]
        assert 0 <= results[k]['metrics']['au/accuracy'] <= 100
    accs = [results[k]['metrics']['au/accuracy'] for k in (1, 2)]
    assert out['mean']['au/accuracy'] == pytest.approx(sum(accs) / 2)
    assert out['std']['au/accuracy'] == pytest.approx(
        abs(accs[0] - accs[1]) / math.sqrt(2))
    saved = json.load(open(osp.join(root, 'folds_summary.json')))
    assert saved['mean'] == pytest.approx(out['mean'], nan_ok=True)
    md = open(osp.join(root, 'folds_summary.md')).read()
    assert 'sample standard deviation' in md and '| mean ± std |' in md

    # without --resume an existing run is never overwritten
    with pytest.raises(FileExistsError, match='--resume'):
        tool.main([cfg, '--work-dir-root', root, '--folds', '1', '2'])
    # fold 1 finished: skipped; fold 2 "interrupted" after epoch 1 of 2:
    # resumed from its checkpoint, trains epoch 2 only
    os.remove(osp.join(root, 'fold_2', 'fold_result.json'))
    ckpt1 = osp.join(root, 'fold_1', 'epoch_1.pth')
    mtime1 = os.path.getmtime(ckpt1)
    mtime2 = os.path.getmtime(osp.join(root, 'fold_2', 'epoch_1.pth'))
    capsys.readouterr()
    again = tool.main([cfg, '--work-dir-root', root, '--folds', '1', '2',
                       '--resume', '--cfg-options',
                       'train_cfg.max_epochs=2'])
    text = capsys.readouterr().out
    assert 'fold 1 (1/2): finished before, skipped' in text
    assert 'fold 2 (2/2): resuming' in text
    assert os.path.getmtime(ckpt1) == mtime1
    assert os.path.getmtime(osp.join(root, 'fold_2',
                                     'epoch_1.pth')) == mtime2
    assert osp.isfile(osp.join(root, 'fold_2', 'epoch_2.pth'))
    assert again['folds']['1'] == out['folds']['1']


def test_confusion_matrix_summed_over_folds(tmp_path):
    # two folds of a 3-class problem (rows: ground truth)
    folds = {1: dict(confusion_matrix=[[2, 0, 0], [1, 1, 0], [0, 0, 0]],
                     classes=['anger', 'happiness', 'neutral']),
             2: dict(confusion_matrix=[[1, 1, 0], [0, 2, 0], [0, 1, 3]],
                     classes=['anger', 'happiness', 'neutral']),
             3: dict(metrics={})}  # e.g. finished before without it
    cm, classes, used = tool.sum_confusion(folds)
    assert cm.tolist() == [[3, 1, 0], [1, 3, 0], [0, 1, 3]]
    assert classes == ['anger', 'happiness', 'neutral'] and used == [1, 2]
    from mmfer.visualization.plots import row_percentages
    pct = row_percentages(cm)
    assert pct[0].tolist() == [75.0, 25.0, 0.0]
    assert pct[2] == pytest.approx([0.0, 25.0, 75.0])
    assert row_percentages([[0, 0], [1, 3]])[0].tolist() == [0.0, 0.0]
    paths = tool.write_confusion_matrix(str(tmp_path), cm, classes, 'cfg')
    rows = open(paths['csv']).read().splitlines()
    assert rows[0] == 'true \\ predicted (%),anger,happiness,neutral,samples'
    assert rows[1] == 'anger,75.00,25.00,0.00,4'
    assert rows[3] == 'neutral,0.00,25.00,75.00,4'
    import cv2
    png = cv2.imread(paths['png'])
    assert png is not None and min(png.shape[:2]) > 100
    bad = {**folds, 3: dict(confusion_matrix=[[1]], classes=['x'])}
    with pytest.raises(ValueError, match='fold 3: confusion matrix of '
                       r"classes \['x'\]"):
        tool.sum_confusion(bad)


def test_confusion_metric_added_and_read_from_fer_samples():
    import torch

    from mmfer.registry import METRICS
    from mmfer.structures import FERDataSample
    cfg = Config(dict(test_evaluator=[dict(type='ExpressionMetric')]))
    assert not tool.has_confusion_metric(cfg, 'test')
    assert tool.add_confusion_metric(cfg, 'test')
    assert cfg.test_evaluator[-1] == dict(type='mmpretrain.ConfusionMatrix')
    assert tool.has_confusion_metric(cfg, 'test')
    assert not tool.add_confusion_metric(cfg, 'test')  # already there
    one = Config(dict(val_evaluator=dict(type='ExpressionMetric')))
    tool.add_confusion_metric(one, 'val')
    assert [m['type'] for m in one.val_evaluator] == [
        'ExpressionMetric', 'mmpretrain.ConfusionMatrix']
    with pytest.raises(KeyError, match='needs a test_evaluator'):
        tool.add_confusion_metric(Config(dict()), 'test')
    # the metric works on mmfer's data samples; its result is found
    metric = METRICS.build(dict(type='mmpretrain.ConfusionMatrix'))
    samples = []
    for gt, pred in ((0, 0), (1, 2), (2, 2), (2, 2)):
        s = FERDataSample().set_gt_label(gt)
        s.set_field(torch.eye(3)[pred], 'pred_score')
        samples.append(s.to_dict())
    metric.process(None, samples)
    out = {f'confusion_matrix/{k}': v
           for k, v in metric.compute_metrics(metric.results).items()}
    assert tool.confusion_from_metrics(
        dict(out, **{'expr/UAR': 1.0})) == [[1, 0, 0], [0, 0, 1], [0, 0, 2]]
    assert tool.confusion_from_metrics({'expr/UAR': 1.0}) is None
    assert tool.parse_args(['c.py', '--confusion-matrix']).confusion_matrix


def test_real_folds_write_the_summed_confusion_matrix(tmp_path):
    data = str(tmp_path / 'data')
    cfg = tmp_path / 'tiny_expr.py'
    cfg.write_text(f"""
_base_ = [
    '{BASE}/datasets/synthface_expr_rgb64.py',
    '{BASE}/default_runtime.py',
]
data_root = '{data}'
auto_generate = dict(subjects=3, samples=6, size=32, seed=0)
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
                  img_size=32, patch_size=8, out_type='cls_token'),
    head=dict(type='mmpretrain.LinearClsHead', num_classes=7,
              in_channels=32,
              loss=dict(type='mmpretrain.CrossEntropyLoss')))
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
""")
    root = str(tmp_path / 'folds')
    out = tool.main([str(cfg), '--work-dir-root', root, '--folds', '1', '2',
                     '--confusion-matrix', '--no-validate'])
    total = 0
    for k in (1, 2):
        res = json.load(open(osp.join(root, f'fold_{k}', 'fold_result.json')))
        cm = res['confusion_matrix']
        assert res['classes'][0] == 'anger' and len(cm) == 7
        # the matrix is the one behind the fold's accuracy (WAR)
        trace = sum(cm[i][i] for i in range(7))
        assert res['metrics']['expr/WAR'] == pytest.approx(
            100 * trace / res['num_eval_samples'])
        total = total + __import__('numpy').asarray(cm)
    assert out['confusion_matrix']['counts'] == total.tolist()
    assert out['confusion_matrix']['folds'] == [1, 2]
    rows = open(osp.join(root, 'confusion_matrix.csv')).read().splitlines()
    assert rows[0].split(',')[1:8] == list(out['confusion_matrix']['classes'])
    assert sum(int(r.split(',')[-1]) for r in rows[1:]) == int(total.sum())
    assert osp.getsize(osp.join(root, 'confusion_matrix.png')) > 1000
    md = open(osp.join(root, 'folds_summary.md')).read()
    assert '(confusion_matrix.png)' in md and 'folds 1, 2' in md
