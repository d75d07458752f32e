"""Run a config on every fold of its protocol; report mean +- std over folds.

::

    python tools/misc/run_folds.py CONFIG [--folds 1 2 ...] [--resume]
        [--work-dir-root DIR] [--eval {test,val}] [train args ...]

The folds come from the config's ``fold_protocol``
(:mod:`mmfer.datasets.protocols`: published subject parts, official split
files, seeded random subjects, leave-one-dataset-out); a config that
declares none gets what its training dataset's ``fold`` argument supports
(BP4D / DISFA: the 3 published folds; DFEW / MAFW: the 5 official ones),
or a clear error.

Folds run one after the other *in this process*, each with its own
mmengine ``Runner`` built as ``tools/train.py`` builds it (the same train
arguments: ``--cfg-options``, ``--amp``, ``--no-validate``,
``--auto-scale-lr``, ``--trust-checkpoint``, ``--launcher``), in
``ROOT/fold_<k>`` (ROOT defaults to ``work_dirs/<config name>_folds``).
After training, the final model is evaluated on the fold's test split
(``runner.test()``; ``--eval val`` uses ``runner.val()``), and the
returned metrics are saved in ``ROOT/fold_<k>/fold_result.json`` together
with the fold's train / test units (subjects, files or datasets).

At the end the tool prints, and writes to ``ROOT/folds_summary.json`` and
``ROOT/folds_summary.md``, every metric per fold and its mean +- std over
the folds, where std is the *sample* standard deviation (``ddof=1``, NaN
for a single fold). A NaN metric of a fold (e.g. the F1 of an AU without
positives in that fold) is left out of that metric's mean and std; the
summary records how many folds each one averages.

``--confusion-matrix`` (automatic when the evaluator already has an
``mmpretrain.ConfusionMatrix`` metric): each fold's confusion matrix on its
test split is kept in ``fold_result.json``; the matrices are summed over
the folds and written to ``ROOT/confusion_matrix.csv`` and ``.png``
(rows: ground truth, row-normalised percentages, class names on the axes;
as CM-CNN's Fig. 6), and ``folds_summary.md`` links them.

``--resume``: finished folds (``fold_result.json`` present) are not run
again, and an interrupted fold resumes from its last checkpoint. Without
``--resume`` a fold directory that already holds a run is an error (so a
finished run is never overwritten by accident).

Distributed: with ``--launcher pytorch`` under torchrun (or
``tools/dist_train.sh``-style launchers) the process group is created once
(gloo on CPU-only machines, see :mod:`mmfer.utils.dist`), every rank runs
the same folds (rank 0 decides which ones are finished and broadcasts it),
and only rank 0 writes ``fold_result.json`` and the summaries. The work
directory must be on a file system all ranks share.

Examples::

    # the three BP4D folds of MCM (Table 3)
    python tools/misc/run_folds.py configs/mcm/vit-b_bp4d_rgbd.py
    # the five DFEW folds of MMA-DFER, two GPUs
    torchrun --nproc_per_node 2 tools/misc/run_folds.py --launcher pytorch \\
        configs/mma_dfer/mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-224px.py
"""
import argparse
import copy
import gc
import json
import math
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

PREFIX = '[run_folds]'
STD_TYPE = 'sample standard deviation over folds (ddof=1)'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description='Train and test a config on every fold of its '
        'cross-validation protocol; report mean +- std over folds.')
    p.add_argument('config', help='train config file path')
    p.add_argument('--folds', type=int, nargs='+', default=None,
                   help='folds to run (1-based); default: all folds of '
                   'the protocol')
    p.add_argument('--resume', action='store_true',
                   help='skip finished folds and resume an interrupted '
                   'fold from its last checkpoint')
    p.add_argument('--work-dir-root', default=None,
                   help='fold k goes to ROOT/fold_<k>; default: '
                   'work_dirs/<config name>_folds')
    p.add_argument('--work-dir', default=None, help=argparse.SUPPRESS)
    p.add_argument('--eval', dest='eval_split', choices=['test', 'val'],
                   default='test',
                   help="which loader evaluates each fold's final model "
                   "(default: test)")
    p.add_argument('--confusion-matrix', action='store_true',
                   help='sum the folds\' confusion matrices into '
                   'ROOT/confusion_matrix.{csv,png} (adds an '
                   'mmpretrain.ConfusionMatrix metric to the evaluator)')
    # the arguments of tools/train.py (same meaning)
    from mmfer.utils.train_args import add_train_args
    add_train_args(p, 'override settings of the config, key=value')
    args = p.parse_args(argv)
    if args.work_dir is not None:
        p.error('run_folds.py writes fold k to ROOT/fold_<k>: use '
                '--work-dir-root ROOT instead of --work-dir.')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


# ----------------------------------------------------------------------
# Config of one fold
# ----------------------------------------------------------------------
def load_config(args) -> Config:
    """The config with the train arguments merged (as tools/train.py)."""
    from mmfer.utils import merge_train_args
    cfg = Config.fromfile(args.config)
    train_args = argparse.Namespace(
        config=args.config, work_dir=None, resume=None, amp=args.amp,
        no_validate=args.no_validate, auto_scale_lr=args.auto_scale_lr,
        allow_partial_checkpoint=getattr(
            args, 'allow_partial_checkpoint', False),
        cfg_options=args.cfg_options)
    return merge_train_args(cfg, train_args)


def work_root(args) -> str:
    if args.work_dir_root:
        return osp.abspath(args.work_dir_root)
    name = osp.splitext(osp.basename(args.config))[0]
    return osp.abspath(osp.join('work_dirs', f'{name}_folds'))


def fold_state(work_dir: str) -> str:
    """``'done'`` (fold_result.json), ``'partial'`` (a checkpoint to
    resume from) or ``'new'``."""
    if osp.isfile(osp.join(work_dir, 'fold_result.json')):
        return 'done'
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            ckpt = f.read().strip()
        if not osp.isabs(ckpt):
            ckpt = osp.join(work_dir, ckpt)
        if osp.isfile(ckpt):
            return 'partial'
    return 'new'


CM_TYPES = ('mmpretrain.ConfusionMatrix', 'ConfusionMatrix')


def add_confusion_metric(cfg: Config, eval_split: str) -> bool:
    """Make the ``{eval_split}_evaluator`` compute a confusion matrix.

    Appends ``mmpretrain.ConfusionMatrix`` unless the evaluator has one.

    Returns:
        bool: whether a metric was added.
    """
    key = f'{eval_split}_evaluator'
    evaluator = cfg.get(key)
    if evaluator is None:
        raise KeyError(f'{cfg.filename}: --confusion-matrix needs a {key}.')
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        metrics = evaluator['metrics']  # dict(type='Evaluator', metrics=)
    else:
        metrics = evaluator
    metrics = list(metrics) if isinstance(metrics, (list, tuple)) else [
        metrics]
    if any(m.get('type') in CM_TYPES for m in metrics):
        return False
    metrics.append(dict(type='mmpretrain.ConfusionMatrix'))
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator['metrics'] = metrics
    else:
        cfg[key] = metrics
    return True


def has_confusion_metric(cfg: Config, eval_split: str) -> bool:
    evaluator = cfg.get(f'{eval_split}_evaluator') or []
    if isinstance(evaluator, dict):
        evaluator = evaluator.get('metrics', evaluator)
    if isinstance(evaluator, dict):
        evaluator = [evaluator]
    return any(m.get('type') in CM_TYPES for m in evaluator)


def confusion_from_metrics(metrics: dict) -> Optional[List[List[int]]]:
    """The (K, K) confusion matrix among ``runner.test()``'s metrics
    (``confusion_matrix/result`` of ``mmpretrain.ConfusionMatrix``)."""
    for key, value in (metrics or {}).items():
        if key.split('/')[-1] == 'result' and 'confusion' in key:
            if hasattr(value, 'detach'):
                value = value.detach().cpu().numpy()
            arr = np.asarray(value)
            if arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
                return arr.astype(int).tolist()
    return None


def sum_confusion(per_fold: Dict[int, dict]):
    """Sum the folds' confusion matrices.

    Args:
        per_fold (dict): fold -> fold result with ``confusion_matrix``
            (K x K counts, rows ground truth) and ``classes``.

    Returns:
        tuple: (K, K) int array (None if no fold has one), the class names
        and the folds summed.
    """
    total, classes, folds = None, None, []
    for fold, result in per_fold.items():
        cm = result.get('confusion_matrix')
        if cm is None:
            continue
        cm = np.asarray(cm, dtype=int)
        names = list(result.get('classes') or range(len(cm)))
        if total is None:
            total, classes = cm.copy(), names
        elif cm.shape != total.shape or names != classes:
            raise ValueError(
                f'fold {fold}: confusion matrix of classes {names} differs '
                f'from the other folds\' ({classes}); the folds must share '
                'one class list to be summed.')
        else:
            total += cm
        folds.append(fold)
    return total, [str(c) for c in (classes or [])], folds


def write_confusion_matrix(root: str, cm: np.ndarray, classes: List[str],
                           title: str) -> Dict[str, str]:
    """Write ``confusion_matrix.csv`` and ``.png`` (row-normalised %).

    Returns:
        dict: ``csv`` and ``png`` paths.
    """
    import csv

    from mmfer.visualization.plots import (plot_confusion_matrix,
                                           row_percentages)
    pct = row_percentages(cm)
    paths = dict(csv=osp.join(root, 'confusion_matrix.csv'),
                 png=osp.join(root, 'confusion_matrix.png'))
    with open(paths['csv'], 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['true \\ predicted (%)'] + classes + ['samples'])
        for name, row, n in zip(classes, pct, np.asarray(cm).sum(1)):
            w.writerow([name] + [f'{v:.2f}' for v in row] + [int(n)])
    plot_confusion_matrix(cm, classes, paths['png'], title=title)
    return paths


def fold_config(cfg: Config, protocol, fold: int, work_dir: str,
                resume: bool, launcher: str, cpu_group: bool):
    """A copy of ``cfg`` that trains / tests ``fold`` in ``work_dir``.

    Returns:
        tuple: the config and the :class:`~mmfer.datasets.protocols.Fold`.
    """
    cfg = copy.deepcopy(cfg)
    units = protocol.apply(cfg, fold)
    cfg.work_dir = work_dir
    name = osp.splitext(osp.basename(cfg.filename or 'config'))[0]
    # one mmengine logger / visualizer / scope instance per fold
    cfg.experiment_name = f'{name}_fold_{fold}'
    if resume:
        cfg.resume = True
        cfg.load_from = None  # the latest checkpoint of work_dir
    cfg.launcher = launcher
    if cpu_group:  # as mmfer.utils.setup_distributed does for tools/train.py
        from mmfer.utils import cpu_ddp_wrapper_cfg
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        if not cfg.get('model_wrapper_cfg'):
            cfg.model_wrapper_cfg = cpu_ddp_wrapper_cfg()
    return cfg, units


# ----------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------
def init_distributed(launcher: str, cfg: Config) -> bool:
    """Create the process group once for all folds.

    Returns:
        bool: whether it is a CPU (gloo) group made by mmfer, whose runs
        need the CPU DDP wrapper.
    """
    if launcher == 'none':
        return False
    from mmengine.dist import init_dist, is_distributed

    from mmfer.utils import init_cpu_distributed
    if is_distributed():
        import torch
        return not torch.cuda.is_available()
    if init_cpu_distributed(launcher):
        return True
    init_dist(launcher, **cfg.get('env_cfg', {}).get('dist_cfg', {}))
    return False


def _from_rank0(obj):
    """``obj`` of rank 0 on every rank (itself when not distributed)."""
    from mmengine.dist import broadcast_object_list, is_distributed
    if not is_distributed():
        return obj
    box = [obj]
    broadcast_object_list(box, src=0)
    return box[0]


def _is_main() -> bool:
    from mmengine.dist import is_main_process
    return is_main_process()


def log(msg: str) -> None:
    if _is_main():
        print(f'{PREFIX} {msg}', flush=True)


def scalar_metrics(metrics: dict) -> Dict[str, float]:
    """The scalar entries of a metrics dict, as floats (others dropped)."""
    out = {}
    for k, v in (metrics or {}).items():
        if hasattr(v, 'detach'):
            v = v.detach().cpu().numpy()
        arr = np.asarray(v)
        if arr.ndim == 0 and np.issubdtype(arr.dtype, np.number):
            out[k] = float(arr)
    return out


def run_fold(cfg: Config, eval_split: str) -> dict:
    """Train one fold, evaluate its final model; returns metrics and the
    number of evaluated samples."""
    from mmengine.runner import Runner
    loader = f'{eval_split}_dataloader'
    if cfg.get(loader) is None:
        raise KeyError(f'{cfg.filename}: --eval {eval_split} needs a '
                       f'{loader} (and {eval_split}_cfg / '
                       f'{eval_split}_evaluator) to evaluate each fold on.')
    from mmfer.utils.work_dir_lock import lock_work_dir
    with lock_work_dir(cfg.work_dir):  # one run per fold dir
        runner = Runner.from_cfg(cfg)
        runner.train()
        metrics = runner.test() if eval_split == 'test' else runner.val()
    dataloader = (runner.test_dataloader if eval_split == 'test' else
                  runner.val_dataloader)
    result = dict(metrics=scalar_metrics(metrics),
                  num_eval_samples=len(dataloader.dataset))
    cm = confusion_from_metrics(metrics)
    if cm is not None:
        result.update(confusion_matrix=cm, classes=list(
            dataloader.dataset.metainfo.get('classes') or range(len(cm))))
    del runner, dataloader
    gc.collect()
    return result


# ----------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------
def summarize(per_fold: Dict[int, Dict[str, float]]) -> dict:
    """Mean and sample std (ddof=1) over folds of every metric.

    Args:
        per_fold (dict): fold -> {metric: value}.

    Returns:
        dict: ``mean``, ``std`` and ``num_folds`` (folds with a finite
        value), each ``{metric: ...}`` in the metric order of the first
        fold (metrics missing in some folds come last).
    """
    keys: List[str] = []
    for m in per_fold.values():
        keys += [k for k in m if k not in keys]
    mean, std, count = {}, {}, {}
    for key in keys:
        vals = np.asarray([m[key] for m in per_fold.values()
                           if key in m and math.isfinite(m[key])], float)
        count[key] = int(vals.size)
        mean[key] = float(vals.mean()) if vals.size else float('nan')
        std[key] = float(vals.std(ddof=1)) if vals.size > 1 else float(
            'nan')
    return dict(mean=mean, std=std, num_folds=count)


def _display_names(keys: Sequence[str]) -> List[str]:
    """Drop a prefix (``au/``, ``expr/``) that every key shares."""
    heads = {k.split('/', 1)[0] for k in keys if '/' in k}
    if len(heads) == 1 and all('/' in k for k in keys):
        return [k.split('/', 1)[1] for k in keys]
    return list(keys)


def _fmt(v: float) -> str:
    return 'nan' if not math.isfinite(v) else f'{v:.2f}'


def format_table(per_fold: Dict[int, Dict[str, float]],
                 summary: dict) -> str:
    """Markdown table: one row per fold, then ``mean ± std``."""
    keys = list(summary['mean'])
    head = '| fold | ' + ' | '.join(_display_names(keys)) + ' |'
    rows = [head, '|' + '---|' * (len(keys) + 1)]
    for fold, m in per_fold.items():
        rows.append(f'| {fold} | ' + ' | '.join(
            _fmt(m.get(k, float('nan'))) for k in keys) + ' |')
    rows.append('| mean ± std | ' + ' | '.join(
        f'{_fmt(summary["mean"][k])} ± {_fmt(summary["std"][k])}'
        for k in keys) + ' |')
    return '\n'.join(rows)


def write_summary(root: str, out: dict, table: str) -> None:
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'folds_summary.json'), 'w') as f:
        json.dump(out, f, indent=1)
    folds = ', '.join(str(k) for k in out['folds'])
    with open(osp.join(root, 'folds_summary.md'), 'w') as f:
        f.write(f'# {out["config"]}\n\nProtocol: `{out["protocol"]}`; '
                f'folds {folds}; metrics of the final model on each fold\'s '
                f'{out["eval"]} split. std: {STD_TYPE}.\n\n{table}\n')
        cm = out.get('confusion_matrix')
        if cm:
            f.write(f'\nConfusion matrix summed over folds '
                    f'{", ".join(str(k) for k in cm["folds"])} (rows: '
                    'ground truth, row-normalised %): '
                    f'[{osp.basename(cm["png"])}]({osp.basename(cm["png"])})'
                    f', [{osp.basename(cm["csv"])}]'
                    f'({osp.basename(cm["csv"])}).\n')


# ----------------------------------------------------------------------
def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run the folds; returns the summary (also written to ROOT)."""
    from mmfer.datasets.protocols import build_protocol
    from mmfer.utils import register_all_modules, set_trust_all

    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    if args.trust_checkpoint:
        set_trust_all(True)
    cfg = load_config(args)
    want_cm = args.confusion_matrix or has_confusion_metric(
        cfg, args.eval_split)
    if args.confusion_matrix:
        add_confusion_metric(cfg, args.eval_split)
    protocol = build_protocol(cfg, args.config)
    folds = args.folds or protocol.folds
    for k in folds:
        protocol.check_fold(k)
    cpu_group = init_distributed(args.launcher, cfg)
    protocol.prepare(cfg)
    root = work_root(args)
    log(f'{args.config}: {protocol}, folds {folds}, work dirs '
        f'{root}/fold_<k>')

    per_fold: Dict[int, Dict[str, float]] = {}
    fold_results: Dict[int, dict] = {}
    for i, fold in enumerate(folds, 1):
        wd = osp.join(root, f'fold_{fold}')
        state = _from_rank0(fold_state(wd))
        tag = f'fold {fold} ({i}/{len(folds)})'
        if state != 'new' and not args.resume:
            what = 'finished' if state == 'done' else 'partial'
            raise FileExistsError(
                f'{wd} already holds a {what} fold run; pass --resume to '
                'skip finished folds and continue interrupted ones, or choose '
                'another --work-dir-root.')
        if state == 'done':
            with open(osp.join(wd, 'fold_result.json')) as f:
                result = json.load(f)
            log(f'{tag}: finished before, skipped (read '
                f'{osp.join(wd, "fold_result.json")})')
        else:
            fcfg, units = fold_config(cfg, protocol, fold, wd,
                                      state == 'partial', args.launcher,
                                      cpu_group)
            log(f'{tag}: {"resuming" if state == "partial" else "training"}'
                f' in {wd}; test {units.unit}s ({len(units.test)}): '
                f'{", ".join(units.test[:12])}'
                f'{" ..." if len(units.test) > 12 else ""}')
            start = time.time()
            result = run_fold(fcfg, args.eval_split)
            result.update(fold=fold, eval=args.eval_split,
                          seconds=round(time.time() - start, 1),
                          config=args.config, units=units.to_dict())
            if _is_main():
                with open(osp.join(wd, 'fold_result.json'), 'w') as f:
                    json.dump(result, f, indent=1)
            log(f'{tag}: done in {result["seconds"]:.1f} s')
        per_fold[fold] = result['metrics']
        fold_results[fold] = result
        log(f'{tag}: ' + ', '.join(f'{k}={_fmt(v)}'
                                   for k, v in result['metrics'].items()))

    summary = summarize(per_fold)
    table = format_table(per_fold, summary)
    out = dict(config=args.config, protocol=repr(protocol),
               eval=args.eval_split, std_type=STD_TYPE,
               folds={str(k): v for k, v in per_fold.items()}, **summary)
    if want_cm:
        cm, classes, cm_folds = sum_confusion(fold_results)
        lacking = [k for k in folds if k not in cm_folds]
        if lacking:
            log(f'folds {lacking} have no confusion matrix (finished before '
                'without --confusion-matrix?); they are left out of the sum.')
        if cm is not None:
            out['confusion_matrix'] = dict(
                counts=cm.tolist(), classes=classes, folds=cm_folds,
                csv=osp.join(root, 'confusion_matrix.csv'),
                png=osp.join(root, 'confusion_matrix.png'))
            if _is_main():
                os.makedirs(root, exist_ok=True)
                write_confusion_matrix(
                    root, cm, classes,
                    f'{osp.splitext(osp.basename(args.config))[0]}\n'
                    f'{len(cm_folds)} folds, {int(cm.sum())} samples')
                log(f'wrote {out["confusion_matrix"]["png"]} and .csv')
    if _is_main():
        print(table, flush=True)
        print(f'{PREFIX} mean ± std over {len(per_fold)} fold(s); std: '
              f'{STD_TYPE}', flush=True)
        write_summary(root, out, table)
        log(f'wrote {osp.join(root, "folds_summary.json")} and .md')
    return out


if __name__ == '__main__':
    main()
