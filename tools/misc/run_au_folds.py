"""Run an AU config on the subject-exclusive folds and report the mean F1.

BP4D and DISFA results (MCM Tables 1-4) are the mean over 3 folds (fold 1
tests part 3, fold 2 part 2, fold 3 part 1; see
``mmfer/datasets/au_protocols.py``). For every fold this script runs::

    python tools/train.py CONFIG --work-dir ROOT/fold{k} \\
        --cfg-options train_dataloader.dataset.fold=k \\
                      val_dataloader.dataset.fold=k \\
                      test_dataloader.dataset.fold=k [TRAIN ARGS...]

sequentially, then reads each fold's *final* validation scalars from
mmengine's ``ROOT/fold{k}/<timestamp>/vis_data/scalars.json`` (keys
``au/F1_AU1`` ... ``au/F1_mean`` of :class:`mmfer.evaluation.AUMetric`)
and prints / saves (``ROOT/folds_summary.{json,md}``) a table of per-AU F1
per fold and the mean over folds.

Resumable: a fold whose work dir holds its final checkpoint (named by
``last_checkpoint``) and whose metrics were collected
(``ROOT/fold{k}/fold_metrics.json``) is skipped; an interrupted fold is
restarted with ``--resume``.

Example::

    python tools/misc/run_au_folds.py configs/mcm/vit-b_bp4d_rgbd.py \\
        --work-dir-root work_dirs/mcm_bp4d_rgbd_folds
    # extra arguments go to tools/train.py, e.g. --cfg-options ...
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_FOLD_KEYS = ('train_dataloader.dataset.fold',
                     'val_dataloader.dataset.fold',
                     'test_dataloader.dataset.fold')


def read_scalars(path: str) -> List[dict]:
    """Lines of an mmengine ``scalars.json`` (one json dict per line)."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def final_au_metrics(work_dir: str, prefix: str = 'au/') -> Dict[str, float]:
    """Per-AU F1 (and F1_mean) of the last validation in a work dir.

    Looks at the newest ``<timestamp>/vis_data/scalars.json`` that holds
    validation results and returns its last record's ``{prefix}F1_*``
    values, keyed without the prefix (``'F1_AU1'``, ..., ``'F1_mean'``).
    """
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    for path in reversed(files):
        recs = [r for r in read_scalars(path)
                if any(k.startswith(prefix + 'F1_') for k in r)]
        if recs:
            last = recs[-1]
            return {k[len(prefix):]: float(v) for k, v in last.items()
                    if k.startswith(prefix + 'F1_')}
    raise FileNotFoundError(
        f'no validation record with "{prefix}F1_*" keys in '
        f'{osp.join(work_dir, "*/vis_data/scalars.json")}; did training '
        'validate (val_cfg / val_evaluator=AUMetric)?')


def summarize(per_fold: Dict[int, Dict[str, float]]) -> Dict[str, Dict]:
    """Mean over folds of every key; keeps the AU order of the first fold."""
    keys = list(next(iter(per_fold.values())))
    for k, m in per_fold.items():
        if list(m) != keys:
            raise ValueError(f'fold {k} reports {list(m)}, others {keys}')
    mean = {}
    for key in keys:
        vals = [m[key] for m in per_fold.values()
                if not math.isnan(m[key])]
        mean[key] = sum(vals) / len(vals) if vals else float('nan')
    return dict(folds={str(k): v for k, v in per_fold.items()}, mean=mean)


def format_table(summary: Dict[str, Dict]) -> str:
    """Markdown table: one row per fold and the mean, one column per AU."""
    keys = list(summary['mean'])
    names = [k[3:] if k.startswith('F1_') else k for k in keys]
    head = '| fold | ' + ' | '.join(names) + ' |'
    sep = '|' + '---|' * (len(keys) + 1)
    rows = [f'| {f} | ' + ' | '.join(f'{m[k]:.1f}' for k in keys) + ' |'
            for f, m in summary['folds'].items()]
    rows.append('| mean | ' + ' | '.join(f'{summary["mean"][k]:.1f}'
                                          for k in keys) + ' |')
    return '\n'.join([head, sep] + rows)


def fold_done(work_dir: str) -> bool:
    """Final checkpoint present and metrics collected."""
    last = osp.join(work_dir, 'last_checkpoint')
    if not (osp.isfile(last) and osp.isfile(
            osp.join(work_dir, 'fold_metrics.json'))):
        return False
    with open(last) as f:
        ckpt = f.read().strip()
    if not osp.isabs(ckpt):
        ckpt = osp.join(work_dir, osp.basename(ckpt))
    return osp.isfile(ckpt)


def run_fold(config: str, fold: int, work_dir: str, fold_keys: Sequence[str],
             train_args: Sequence[str]) -> None:
    cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
           '--work-dir', work_dir]
    extra = list(train_args)
    opts = [f'{k}={fold}' for k in fold_keys]
    if '--cfg-options' in extra:                # merge into one option list
        i = extra.index('--cfg-options')
        extra[i + 1:i + 1] = opts
    else:
        extra += ['--cfg-options'] + opts
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')) and \
            '--resume' not in extra:
        cmd.append('--resume')
    cmd += extra
    print(f'[run_au_folds] fold {fold}: {" ".join(cmd)}', flush=True)
    ret = subprocess.run(cmd, cwd=REPO).returncode
    if ret != 0:
        raise RuntimeError(f'fold {fold} failed (exit code {ret}); see the '
                           f'log in {work_dir}. Re-run to resume.')


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Dict]:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--work-dir-root', default=None,
                   help='default: work_dirs/<config name>_folds')
    p.add_argument('--folds', nargs='+', type=int, default=[1, 2, 3],
                   choices=[1, 2, 3])
    p.add_argument('--fold-keys', nargs='+', default=list(DEFAULT_FOLD_KEYS),
                   help='config keys set to the fold number')
    p.add_argument('--metric-prefix', default='au/')
    p.add_argument('--collect-only', action='store_true',
                   help='only collect the metrics of finished folds')
    args, train_args = p.parse_known_args(argv)
    name = osp.splitext(osp.basename(args.config))[0]
    root = args.work_dir_root or osp.join('work_dirs', f'{name}_folds')
    root = osp.abspath(root)
    per_fold = {}
    for fold in args.folds:
        wd = osp.join(root, f'fold{fold}')
        if fold_done(wd):
            print(f'[run_au_folds] fold {fold}: finished, skipped')
        elif not args.collect_only:
            run_fold(osp.abspath(args.config), fold, wd, args.fold_keys,
                     train_args)
        metrics = final_au_metrics(wd, args.metric_prefix)
        with open(osp.join(wd, 'fold_metrics.json'), 'w') as f:
            json.dump(metrics, f, indent=1)
        per_fold[fold] = metrics
    summary = summarize(per_fold)
    table = format_table(summary)
    print(table)
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'folds_summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    with open(osp.join(root, 'folds_summary.md'), 'w') as f:
        f.write(f'# {args.config}\n\n{table}\n')
    return summary


if __name__ == '__main__':
    main()
