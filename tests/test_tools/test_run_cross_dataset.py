"""tools/misc/run_cross_dataset.py: the EMPD Table I / III protocol (train
on a source, test on every other database, report each accuracy and the
average) on tiny SynthFace renders of different domains."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmfer.evaluation.cross_dataset import (CrossDatasetSpec,
                                            format_cross_dataset_table,
                                            mean_over_targets)
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASE = osp.join(REPO, 'configs', '_base_')


tool = load_tool('misc', 'run_cross_dataset.py')


def test_table_format_and_average():
    rows = [dict(name='A', source='rafdb', targets=['sfew', 'jaffe'],
                 results=dict(sfew=40.0, jaffe=50.0)),
            dict(name='B', source='rafdb', targets=['sfew', 'jaffe'],
                 results=dict(sfew=45.125, jaffe=float('nan'))),
            dict(name='A', source='affectnet', targets=['rafdb'],
                 results=dict(rafdb=70.0))]
    lines = format_cross_dataset_table(rows).splitlines()
    assert lines[0] == '| Source | Method | sfew | jaffe | Avg |'
    assert lines[1] == '|---|---|---|---|---|'
    assert lines[2] == '| rafdb | A | 40.00 | 50.00 | 45.00 |'
    # an unfinished target: no average over the others
    assert lines[3] == '| rafdb | B | 45.12 | - | - |'
    # another target set (another source database): a new header
    assert lines[4] == '' and lines[5] == '| Source | Method | rafdb | Avg |'
    assert lines[7] == '| affectnet | A | 70.00 | 70.00 |'
    assert mean_over_targets(dict(a=1.0, b=2.0, c=6.0)) == 3.0


def test_spec_validation_and_target_config():
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(type='RAFDBDataset')),
        test_dataloader=dict(dataset=dict(type='X', pipeline=['p'])),
        cross_dataset=dict(
            targets=dict(a=dict(type='SFEWDataset'),
                         b=dict(type='JAFFEDataset', pipeline=['q'])),
            metric='expr/WAR', order=['b', 'a'], label_space='rafdb')))
    spec = CrossDatasetSpec(cfg, 'x/cfg_a.py')
    assert list(spec.targets) == ['b', 'a'] and spec.name == 'cfg_a'
    assert spec.source == 'RAFDB' and spec.checkpoint == 'last'
    # a target without pipeline gets the test pipeline; label space filled
    assert spec.dataset_cfg(cfg, 'a') == dict(
        type='SFEWDataset', pipeline=['p'], label_space='rafdb')
    assert spec.dataset_cfg(cfg, 'b')['pipeline'] == ['q']

    def bad(**kw):
        c = Config(dict(cfg.to_dict()))
        c.cross_dataset.update(kw)
        return CrossDatasetSpec(c, 'cfg.py')

    with pytest.raises(ValueError, match=r"order \['c'\].*unknown: \['c'\]"):
        bad(order=['c'])
    with pytest.raises(ValueError, match="metric must name .*expr/WAR"):
        bad(metric=None)
    with pytest.raises(ValueError, match="checkpoint must be one of"):
        bad(checkpoint='first')
    with pytest.raises(ValueError, match=r"targets.t must be a dataset"):
        bad(targets=dict(t='sfew'), order=None)
    with pytest.raises(KeyError, match=r"unknown keys \['tagets'\]"):
        bad(tagets=1)
    with pytest.raises(KeyError, match='has no cross_dataset'):
        CrossDatasetSpec(Config(dict()), 'cfg.py')


def _domain_set(root, domain):
    return dict(type='SynthFaceDataset', data_root=f'{root}/{domain}',
                split='all', domain=f'synthface_{domain}',
                auto_generate=dict(subjects=2, samples=6, size=32, seed=1,
                                   domains=[domain]))


def _config(tmp_path, name, lr, data):
    cfg = tmp_path / f'{name}.py'
    targets = {d: _domain_set(data, d) for d in ('wild', 'lowres')}
    cfg.write_text(f"""
_base_ = [
    '{BASE}/datasets/synthface_expr_rgb64.py',
    '{BASE}/default_runtime.py',
]
data_root = '{data}/lab'
auto_generate = dict(subjects=3, samples=8, size=32, seed=0, domains=['lab'])
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
optim_wrapper = dict(optimizer=dict(type='AdamW', lr={lr}))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=1))
cross_dataset = dict(targets={targets!r}, metric='expr/WAR',
                     order=['wild', 'lowres'])
""")
    return str(cfg)


def test_table_of_two_configs_equals_test_py_and_resumes(tmp_path, capsys):
    data = str(tmp_path / 'data')
    cfg_a = _config(tmp_path, 'method_a', 1e-3, data)
    cfg_b = _config(tmp_path, 'method_b', 3e-3, data)
    root = str(tmp_path / 'table')
    out = tool.main([cfg_a, cfg_b, '--work-dir-root', root])
    text = capsys.readouterr().out
    assert 'method_a: training' in text and 'method_b: training' in text
    rows = out['rows']
    assert [r['name'] for r in rows] == ['method_a', 'method_b']
    for r in rows:
        assert list(r['results']) == ['wild', 'lowres']
        assert r['avg'] == pytest.approx(sum(r['results'].values()) / 2)
        assert r['num_samples'] == dict(wild=12, lowres=12)
        for t in ('wild', 'lowres'):
            assert 0 <= r['results'][t] <= 100
            assert r['target_metrics'][t]['expr/WAR'] == r['results'][t]
        saved = json.load(open(osp.join(root, r['name'],
                                        'cross_dataset.json')))
        assert saved['results'] == r['results']
    md = open(osp.join(root, 'cross_dataset.md')).read().splitlines()
    head = md.index('| Source | Method | wild | lowres | Avg |')
    a = rows[0]['results']
    assert md[head + 2] == (f'| SynthFace | method_a | {a["wild"]:.2f} | '
                            f'{a["lowres"]:.2f} | {rows[0]["avg"]:.2f} |')
    assert md[head + 3].startswith('| SynthFace | method_b |')

    # each cell is what tools/test.py reports for that target
    test_py = load_tool('test.py', name='mmfer_test_py')
    from argparse import Namespace

    from mmengine.runner import Runner
    ckpt = rows[0]['checkpoint_file']
    assert ckpt == osp.join(root, 'method_a', 'epoch_1.pth')
    for t in ('wild', 'lowres'):
        target = _domain_set(data, t)
        cfg = test_py.merge_args(Config.fromfile(cfg_a), Namespace(
            work_dir=str(tmp_path / f'test_py_{t}'), checkpoint=ckpt,
            show_dir=None, out=None,
            cfg_options={'test_dataloader.dataset': target,
                         'experiment_name': f'test_py_{t}'}))
        metrics = Runner.from_cfg(cfg).test()
        assert metrics['expr/WAR'] == pytest.approx(a[t])
        assert metrics['expr/UAR'] == pytest.approx(
            rows[0]['target_metrics'][t]['expr/UAR'])

    # without --resume nothing finished is overwritten
    with pytest.raises(FileExistsError, match='--resume'):
        tool.main([cfg_a, '--work-dir-root', root])
    # method_a done: skipped; method_b: training kept, one target "lost"
    os.remove(osp.join(root, 'method_b', 'cross_dataset.json'))
    os.remove(osp.join(root, 'method_b', 'targets', 'lowres',
                       'result.json'))
    ckpt_b = osp.join(root, 'method_b', 'epoch_1.pth')
    mtime = os.path.getmtime(ckpt_b)
    capsys.readouterr()
    again = tool.main([cfg_a, cfg_b, '--work-dir-root', root, '--resume'])
    text = capsys.readouterr().out
    assert 'method_a: finished before, skipped' in text
    assert 'method_b: training finished before, reused' in text
    assert 'method_b -> wild (1/2): tested before, skipped' in text
    assert 'method_b -> lowres (2/2): tested before' not in text
    assert f'method_b -> lowres (2/2): testing {ckpt_b}' in text
    assert os.path.getmtime(ckpt_b) == mtime  # not retrained
    assert again['rows'][1]['results'] == pytest.approx(rows[1]['results'])


def test_skip_train_and_missing_checkpoint(tmp_path):
    data = str(tmp_path / 'data')
    cfg_a = _config(tmp_path, 'method_a', 1e-3, data)
    with pytest.raises(FileNotFoundError, match='--skip-train.*load_from'):
        tool.main([cfg_a, '--work-dir-root', str(tmp_path / 'r'),
                   '--skip-train'])
    with pytest.raises(ValueError, match='distinct cross_dataset.name'):
        tool.main([cfg_a, cfg_a, '--work-dir-root', str(tmp_path / 'r')])
    with pytest.raises(SystemExit):
        tool.parse_args([cfg_a, '--work-dir', 'x'])


def test_run_state_and_checkpoint_choice(tmp_path):
    wd = tmp_path / 'm'
    s = tool.run_state(str(wd), ['a', 'b'])
    assert s == dict(done=False, trained=None, partial=None, targets=[])
    wd.mkdir()
    (wd / 'epoch_1.pth').write_bytes(b'x')
    (wd / 'last_checkpoint').write_text(str(wd / 'epoch_1.pth'))
    (wd / 'targets' / 'b').mkdir(parents=True)
    (wd / 'targets' / 'b' / 'result.json').write_text('{}')
    s = tool.run_state(str(wd), ['a', 'b'])
    # an interrupted training (a checkpoint, no train_result.json)
    assert s['partial'] == str(wd / 'epoch_1.pth') and s['targets'] == ['b']
    cfg = Config(dict(
        load_from='/models/x.pth',
        cross_dataset=dict(targets=dict(a=dict(type='X')), metric='m',
                           checkpoint='best')))
    spec = CrossDatasetSpec(cfg, 'c.py')
    # --skip-train: the work dir's latest checkpoint, else load_from
    assert tool.choose_checkpoint(spec, s, cfg, str(wd), True) == str(
        wd / 'epoch_1.pth')
    s['partial'] = None
    assert tool.choose_checkpoint(spec, s, cfg, str(wd), True) == \
        '/models/x.pth'
    s['trained'] = dict(last=str(wd / 'epoch_1.pth'), best=None)
    with pytest.raises(FileNotFoundError, match='save_best'):
        tool.choose_checkpoint(spec, s, cfg, str(wd), False)
    s['trained']['best'] = str(wd / 'best_expr_WAR_epoch_1.pth')
    assert tool.choose_checkpoint(spec, s, cfg, str(wd), False).endswith(
        'best_expr_WAR_epoch_1.pth')
