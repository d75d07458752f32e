# One performance report: runs every benchmark of tools/analysis_tools/ at
# small sizes (each with --small --summary-json FILE), merges their JSON
# rows and prints one markdown table headed by the machine it ran on (CPU
# model, cores, torch version, threads, load average before / after):
#   python tools/analysis_tools/benchmark_all.py --out work_dirs/performance.md
#   python tools/analysis_tools/benchmark_all.py --only mcm dist
# A benchmark that is absent, lacks the two flags, fails, times out or
# writes no (or a malformed) summary gets a status line saying so and the
# table goes on without it; its output is kept in --log-dir.
import argparse
import datetime
import json
import math
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from typing import List, Optional, Sequence, Tuple

HERE = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(HERE))
ROW_KEYS = ('benchmark', 'metric', 'value', 'unit', 'note')

#: (name, script in tools/analysis_tools/) in report order. count_params.py
#: is not here: it counts parameters (no timing) and the method READMEs
#: list those counts.
BENCHMARKS: Tuple[Tuple[str, str], ...] = (
    ('mcm', 'benchmark_mcm.py'),
    ('mma_dfer', 'benchmark_mma_dfer.py'),
    ('cm_cnn', 'benchmark_cm_cnn.py'),
    ('face_detectors', 'benchmark_face_detectors.py'),
    ('infer', 'benchmark_infer.py'),
    ('data_pipeline', 'benchmark_data_pipeline.py'),
    ('dist', 'benchmark_dist.py'),
)


def machine_info() -> dict:
    """CPU model, core counts, torch version and threads of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        import torch
        torch_version = torch.__version__
        torch_threads = torch.get_num_threads()
    except ImportError:
        torch_version, torch_threads = 'not installed', None
    return dict(cpu=cpu, cores=os.cpu_count(), usable_cores=usable,
                torch=torch_version, torch_threads=torch_threads,
                python=platform.python_version(),
                date=datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC'))


def load_average() -> str:
    try:
        return ' '.join(f'{x:.2f}' for x in os.getloadavg())
    except OSError:
        return 'n/a'


def load_summary(path: str) -> Tuple[List[dict], Optional[str]]:
    """Rows of a benchmark's ``--summary-json`` file, or ([], why not)."""
    if not osp.isfile(path):
        return [], 'no summary written'
    try:
        with open(path) as f:
            rows = json.load(f)
    except (OSError, ValueError) as e:
        return [], f'unreadable summary ({e})'
    if not isinstance(rows, list):
        return [], 'summary is not a JSON list of rows'
    for row in rows:
        if not isinstance(row, dict) or any(k not in row for k in ROW_KEYS):
            return [], (f'summary row {row!r} lacks one of '
                        f'{list(ROW_KEYS)}')
        if row['value'] is not None and \
                not isinstance(row['value'], (int, float)):
            return [], f'summary row {row!r}: value is not a number'
    return rows, None


def run_benchmark(name: str, script: str, extra_args: Sequence[str] = (),
                  timeout: float = 1800, log_dir: Optional[str] = None,
                  env: Optional[dict] = None) -> dict:
    """Run ``script --small --summary-json FILE`` and collect its rows.

    Returns:
        dict: ``name``, ``script``, ``status`` ('ok', 'missing script',
        'missing flag', 'failed (exit N)', 'timed out', or a summary
        problem), ``detail`` (the last error line), ``seconds``, ``rows``,
        ``command`` and ``log`` (the output file, or None).
    """
    res = dict(name=name, script=script, rows=[], detail='', seconds=0.0,
               log=None)
    with tempfile.TemporaryDirectory() as tmp:
        summary = osp.join(tmp, f'{name}.json')
        cmd = [sys.executable, script, '--small', '--summary-json', summary,
               *extra_args]
        res['command'] = ' '.join(
            [osp.relpath(script, REPO) if script.startswith(REPO) else script,
             '--small', '--summary-json', 'FILE', *extra_args])
        if not osp.isfile(script):
            res['status'] = 'missing script'
            return res
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=timeout, cwd=REPO, env=env)
        except subprocess.TimeoutExpired as e:
            res.update(status='timed out', seconds=time.perf_counter() - t0,
                       detail=f'after {timeout:.0f} s')
            _save_log(res, log_dir, e.stdout, e.stderr)
            return res
        res['seconds'] = time.perf_counter() - t0
        _save_log(res, log_dir, proc.stdout, proc.stderr)
        err_lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        if proc.returncode != 0:
            flags = [f for f in ('--small', '--summary-json')
                     if 'unrecognized arguments' in proc.stderr and
                     f in proc.stderr.split('unrecognized arguments', 1)[1]]
            if proc.returncode == 2 and flags:
                res.update(status='missing flag',
                           detail=f'{osp.basename(script)} does not accept '
                           f'{" / ".join(flags)}')
            else:
                res.update(status=f'failed (exit {proc.returncode})',
                           detail=err_lines[-1] if err_lines else '')
            return res
        rows, problem = load_summary(summary)
        res.update(status=problem or 'ok', rows=rows)
    return res


def _save_log(res, log_dir, stdout, stderr) -> None:
    if not log_dir:
        return
    os.makedirs(log_dir, exist_ok=True)
    path = osp.join(log_dir, f'{res["name"]}.log')

    def text(x):
        return x.decode(errors='replace') if isinstance(x, bytes) else \
            (x or '')

    with open(path, 'w') as f:
        f.write(text(stdout) + '\n--- stderr ---\n' + text(stderr))
    res['log'] = path


def format_value(value) -> str:
    """3 significant figures (at least the integer part); n/a for
    missing / NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'n/a'
    value = float(value)
    if value == 0:
        return '0'
    if abs(value) >= 100:
        return f'{value:.0f}'
    return f'{value:.3g}'


def _cell(text) -> str:
    return str(text).replace('|', '\\|').replace('\n', ' ')


def render_report(machine: dict, results: List[dict], load_before: str,
                  load_after: str, threads: Optional[int] = None) -> str:
    """The markdown report: the machine, one status line per benchmark,
    then every benchmark's rows in one table."""
    thread_note = f'OMP_NUM_THREADS={threads} for each benchmark' \
        if threads else 'threads as each benchmark sets them'
    lines = [
        f'Machine: {machine["cpu"]}, {machine["cores"]} cores '
        f'({machine["usable_cores"]} usable), torch {machine["torch"]}, '
        f'Python {machine["python"]}, {thread_note}; load average '
        f'(1/5/15 min) {load_before} before, {load_after} after; '
        f'{machine["date"]}.',
        '',
        '| benchmark | status | seconds | command |',
        '|---|---|---|---|',
    ]
    for r in results:
        status = r['status'] + (f': {r["detail"]}' if r['detail'] else '')
        lines.append(f'| {r["name"]} | {_cell(status)} | '
                     f'{r["seconds"]:.0f} | `{_cell(r["command"])}` |')
    lines += ['', '| benchmark | metric | value | unit | note |',
              '|---|---|---|---|---|']
    for r in results:
        if not r['rows']:
            lines.append(f'| {r["name"]} | ({r["status"]}) | - | | '
                         f'{_cell(r["detail"])} |')
        for row in r['rows']:
            lines.append(
                f'| {_cell(row["benchmark"])} | {_cell(row["metric"])} | '
                f'{format_value(row["value"])} | {_cell(row["unit"])} | '
                f'{_cell(row["note"])} |')
    return '\n'.join(lines) + '\n'


def parse_extra_args(specs: Sequence[str], names: Sequence[str]) -> dict:
    """``['data_pipeline=--threads 1']`` -> ``{'data_pipeline':
    ['--threads', '1']}``."""
    extra = {}
    for spec in specs:
        name, sep, rest = spec.partition('=')
        if not sep or name not in names:
            raise SystemExit(f'--args {spec!r}: write NAME=ARGS with NAME '
                             f'one of {list(names)}')
        extra[name] = shlex.split(rest)
    return extra


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    names = [n for n, _ in BENCHMARKS]
    p.add_argument('--only', nargs='+', choices=names,
                   help='run these benchmarks only')
    p.add_argument('--skip', nargs='+', choices=names, default=[])
    p.add_argument('--threads', type=int, default=None,
                   help='set OMP_NUM_THREADS / MKL_NUM_THREADS for every '
                   'benchmark (their own --threads defaults still apply)')
    p.add_argument('--args', nargs='+', default=[], metavar='NAME=ARGS',
                   help='extra arguments for one benchmark, e.g. '
                   'data_pipeline="--threads 1"')
    p.add_argument('--timeout', type=float, default=1800,
                   help='seconds per benchmark')
    p.add_argument('--log-dir', default='work_dirs/benchmark_all',
                   help='each benchmark\'s output')
    p.add_argument('--out', help='also write the report to this .md file')
    p.add_argument('--json', help='also write all rows (and statuses) as '
                   'JSON')
    args = p.parse_args(argv)
    env = dict(os.environ)
    if args.threads:
        env.update(OMP_NUM_THREADS=str(args.threads),
                   MKL_NUM_THREADS=str(args.threads))
    extra = parse_extra_args(args.args, names)
    selected = [(n, s) for n, s in BENCHMARKS
                if (not args.only or n in args.only) and n not in args.skip]
    machine = machine_info()
    load_before = load_average()
    results = []
    for name, script in selected:
        print(f'[{name}] {script} --small ...', flush=True)
        r = run_benchmark(name, osp.join(HERE, script),
                          extra_args=extra.get(name, ()),
                          timeout=args.timeout, log_dir=args.log_dir,
                          env=env)
        print(f'[{name}] {r["status"]} {r["detail"]} '
              f'({r["seconds"]:.0f} s)', flush=True)
        results.append(r)
    report = render_report(machine, results, load_before, load_average(),
                           args.threads)
    print('\n' + report)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(report)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(machine=machine, results=results), f, indent=1)
    return results


if __name__ == '__main__':
    main()
