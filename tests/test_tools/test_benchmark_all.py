"""tools/analysis_tools/benchmark_all.py: running benchmarks, merging their
--summary-json rows and building the report table, on fake benchmark
scripts (no timing is asserted)."""
import json
import math
import textwrap

import pytest

from tool_scripts import load_tool


def _load(name):
    return load_tool('analysis_tools', f'{name}.py')


bench_all = _load('benchmark_all')
summary = _load('benchmark_summary')

GOOD = '''
import argparse, json
p = argparse.ArgumentParser()
p.add_argument('--small', action='store_true')
p.add_argument('--summary-json')
a = p.parse_args()
assert a.small
json.dump([
    dict(benchmark='fake', metric='train step', value=12.3456,
         unit='samples/s', note='batch 8 | tiny'),
    dict(benchmark='fake', metric='not measured', value=None, unit='ms',
         note=''),
], open(a.summary_json, 'w'))
'''
NO_FLAGS = '''
import argparse
p = argparse.ArgumentParser()
p.add_argument('--iters', type=int)
p.parse_args()
'''
CRASH = '''
import argparse
p = argparse.ArgumentParser()
p.add_argument('--small', action='store_true')
p.add_argument('--summary-json')
p.parse_args()
raise RuntimeError('model build failed: no such arch')
'''
NO_SUMMARY = '''
import argparse
p = argparse.ArgumentParser()
p.add_argument('--small', action='store_true')
p.add_argument('--summary-json')
p.parse_args()
print('figures printed, no JSON written')
'''
BAD_ROWS = '''
import argparse, json
p = argparse.ArgumentParser()
p.add_argument('--small', action='store_true')
p.add_argument('--summary-json')
a = p.parse_args()
json.dump([dict(benchmark='x', metric='y', value=1.0)],
          open(a.summary_json, 'w'))
'''


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('fake_benchmarks')
    out = []
    for name, code in [('good', GOOD), ('noflags', NO_FLAGS),
                       ('crash', CRASH), ('nosummary', NO_SUMMARY),
                       ('badrows', BAD_ROWS)]:
        script = tmp / f'{name}.py'
        script.write_text(textwrap.dedent(code))
        out.append(bench_all.run_benchmark(name, str(script), timeout=60,
                                           log_dir=str(tmp / 'logs')))
    out.append(bench_all.run_benchmark('absent', str(tmp / 'absent.py')))
    return out


def test_statuses_name_what_went_wrong(results):
    by_name = {r['name']: r for r in results}
    assert by_name['good']['status'] == 'ok'
    assert by_name['noflags']['status'] == 'missing flag'
    assert 'noflags.py does not accept --small / --summary-json' in \
        by_name['noflags']['detail']
    assert by_name['crash']['status'] == 'failed (exit 1)'
    assert by_name['crash']['detail'] == \
        'RuntimeError: model build failed: no such arch'
    assert by_name['nosummary']['status'] == 'no summary written'
    assert 'lacks one of' in by_name['badrows']['status']
    assert by_name['absent']['status'] == 'missing script'
    assert all(not r['rows'] for r in results if r['name'] != 'good')
    # the output of a run is kept for the reader
    log = open(by_name['crash']['log']).read()
    assert 'no such arch' in log


def test_rows_are_merged_into_one_table(results):
    machine = dict(cpu='Fake CPU 9000', cores=2, usable_cores=2,
                   torch='2.x', python='3.11', date='2026-12-03 12:00 UTC')
    report = bench_all.render_report(machine, results, '1.00 0.50 0.25',
                                     '2.00 1.00 0.50', threads=2)
    lines = report.splitlines()
    assert lines[0].startswith('Machine: Fake CPU 9000, 2 cores (2 usable)'
                               ', torch 2.x')
    assert 'OMP_NUM_THREADS=2' in lines[0]
    assert '1.00 0.50 0.25 before, 2.00 1.00 0.50 after' in lines[0]
    # one status line per benchmark, in order
    status = [ln for ln in lines if ln.startswith('| ') and '`' in ln]
    assert [ln.split(' | ')[0][2:] for ln in status] == [
        'good', 'noflags', 'crash', 'nosummary', 'badrows', 'absent']
    # the good benchmark's rows; the | in its note is escaped
    assert '| fake | train step | 12.3 | samples/s | batch 8 \\| tiny |' \
        in lines
    assert '| fake | not measured | n/a | ms |  |' in lines
    # every other benchmark still has one row saying why it has no figures
    assert '| crash | (failed (exit 1)) | - | | RuntimeError: model build ' \
        'failed: no such arch |' in lines
    assert any(ln.startswith('| noflags | (missing flag) |') for ln in lines)
    assert any(ln.startswith('| absent | (missing script) |') for ln in lines)
    header = lines.index('| benchmark | metric | value | unit | note |')
    assert len(lines) - header - 2 == 2 + 5   # 2 good rows + 5 status rows


def test_format_value():
    assert bench_all.format_value(12.3456) == '12.3'
    assert bench_all.format_value(0.012345) == '0.0123'
    assert bench_all.format_value(1234.6) == '1235'
    assert bench_all.format_value(float('nan')) == 'n/a'
    assert bench_all.format_value(None) == 'n/a'
    assert bench_all.format_value(0) == '0'


def test_summary_json_round_trip(tmp_path):
    assert math.isnan(summary.summary_row('b', 'm', None, 'x')['value'])
    path = str(tmp_path / 's.json')
    summary.write_summary(path, [
        summary.summary_row('b', 'm', 3.5, 'x', 'n'),
        summary.summary_row('b', 'nan', float('nan'), 'x')])
    rows, problem = bench_all.load_summary(path)
    assert problem is None
    assert rows[0] == dict(benchmark='b', metric='m', value=3.5, unit='x',
                           note='n')
    assert rows[1]['value'] is None      # NaN is written as JSON null
    with pytest.raises(ValueError, match='lacks'):
        summary.write_summary(path, [dict(benchmark='b')])
    assert json.load(open(path))[0]['metric'] == 'm'   # not overwritten


def test_unreadable_and_non_list_summaries(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text('{not json')
    assert bench_all.load_summary(str(bad))[1].startswith(
        'unreadable summary')
    bad.write_text(json.dumps(dict(a=1)))
    assert bench_all.load_summary(str(bad))[1] == \
        'summary is not a JSON list of rows'
    bad.write_text(json.dumps([dict(benchmark='b', metric='m', value='fast',
                                    unit='x', note='')]))
    assert 'value is not a number' in bench_all.load_summary(str(bad))[1]


def test_every_listed_benchmark_is_a_script_here():
    # the report runs these names; a renamed script would silently become
    # 'missing script' (benchmark_infer.py may not exist yet)
    for name, script in bench_all.BENCHMARKS:
        assert script.startswith('benchmark_') and script.endswith('.py')
    assert {'mcm', 'cm_cnn', 'face_detectors', 'data_pipeline', 'dist',
            'mma_dfer', 'infer'} == {n for n, _ in bench_all.BENCHMARKS}


def test_extra_args_per_benchmark():
    names = [n for n, _ in bench_all.BENCHMARKS]
    assert bench_all.parse_extra_args(
        ['data_pipeline=--threads 1 --methods mcm-au', 'mcm='], names) == {
            'data_pipeline': ['--threads', '1', '--methods', 'mcm-au'],
            'mcm': []}
    with pytest.raises(SystemExit, match='NAME=ARGS'):
        bench_all.parse_extra_args(['nosuch=--x'], names)


def test_dist_log_windows_skip_warmup(tmp_path):
    dist = _load('benchmark_dist')
    vis = tmp_path / '20261203_120000' / 'vis_data'
    vis.mkdir(parents=True)
    rows = [dict(iter=5, time=9.0, data_time=1.0),     # warm-up window
            dict(iter=10, time=0.5, data_time=0.1),
            dict(iter=15, time=0.7, data_time=0.1)]
    (vis / 'scalars.json').write_text(
        '\n'.join(json.dumps(r) for r in rows) + '\n')
    iter_s, data_s, n, best_s = dist.parse_log(str(tmp_path), warmup=5)
    assert (round(iter_s, 6), round(data_s, 6), n, best_s) == \
        (0.6, 0.1, 10, 0.5)
    merged = dist.merge_repeats([dict(rate=10.0, iter_s=1.0, data_share=0.1,
                                      best=12.0),
                                 dict(rate=20.0, iter_s=0.5, data_share=0.3,
                                      best=25.0)])
    assert (merged['rate'], merged['best']) == (15.0, 25.0)
    with pytest.raises(RuntimeError, match='raise --iters'):
        dist.parse_log(str(tmp_path), warmup=15)
    with pytest.raises(RuntimeError, match='no scalars.json'):
        dist.parse_log(str(tmp_path / 'empty'), warmup=0)
    assert dist.parse_runs(['2x1', '1X2']) == [(2, 1), (1, 2)]
    with pytest.raises(SystemExit, match='PROCSxTHREADS'):
        dist.parse_runs(['two'])


def test_data_roots_go_under_the_data_dir():
    pipeline = _load('benchmark_data_pipeline')
    cfg = dict(dataset=dict(
        data_root='data/synthface_bu3dfe_30subj', depth_root='/abs/depth',
        datasets=[dict(data_root='data/x'), dict(data_root='rel')]))
    pipeline.redirect_data_roots(cfg, '/tmp/bench')
    assert cfg['dataset']['data_root'] == '/tmp/bench/synthface_bu3dfe_30subj'
    assert cfg['dataset']['depth_root'] == '/abs/depth'    # absolute: kept
    assert [d['data_root'] for d in cfg['dataset']['datasets']] == [
        '/tmp/bench/x', '/tmp/bench/rel']
    assert pipeline.pipeline_caches(dict(pipeline=[
        dict(type='DetectFace', cache=True), dict(type='AlignFace')])) == [
            'DetectFace']


def test_unused_parameters_lists_trainable_ones_without_gradient():
    import torch
    from mmengine.model import BaseModel
    from torch import nn
    check = _load('check_unused_params')

    class Toy(BaseModel):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(2, 1)
            self.unused = nn.Linear(2, 1)          # built, never called
            self.frozen = nn.Linear(2, 1).requires_grad_(False)

        def forward(self, inputs, data_samples=None, mode='loss'):
            return dict(loss=self.used(inputs).sum() +
                        self.frozen(inputs).sum())

    names = check.unused_parameters(Toy(), torch.randn(3, 2), None)
    assert names == ['unused.weight', 'unused.bias']   # frozen: not DDP's
