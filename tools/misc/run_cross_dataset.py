"""Cross-database evaluation: train each config once, test on every target.

::

    python tools/misc/run_cross_dataset.py CONFIG [CONFIG ...]
        [--work-dir-root DIR] [--resume] [--skip-train] [train args ...]

Each CONFIG declares ``cross_dataset=dict(targets=dict(<name>=<test
dataset cfg>, ...), metric='expr/WAR', ...)`` (see
:mod:`mmfer.evaluation.cross_dataset` and docs/datasets/cross_dataset.md).
For each config, in this process, one after the other:

1. **train** in ``ROOT/<name>`` with an mmengine ``Runner`` built as
   ``tools/train.py`` builds it (the same train arguments:
   ``--cfg-options``, ``--amp``, ``--no-validate``, ``--auto-scale-lr``,
   ``--trust-checkpoint``, ``--launcher``); the checkpoints it ends with
   (last, and best when ``save_best`` is set) are recorded in
   ``ROOT/<name>/train_result.json``;
2. **test** the chosen checkpoint (``cross_dataset.checkpoint``: ``'last'``
   or ``'best'``) on every target as ``tools/test.py`` does: a test Runner
   per target in ``ROOT/<name>/targets/<target>`` with ``load_from`` the
   checkpoint and ``test_dataloader.dataset`` the target's dataset (the
   config's batch size, sampler, ``test_evaluator`` and ``test_cfg``); its
   metrics go to ``ROOT/<name>/targets/<target>/result.json``;
3. write ``ROOT/<name>/cross_dataset.json`` (every target's metrics, the
   table metric per target and their average).

At the end ``ROOT/cross_dataset.{json,md}`` hold the table of all configs:
one row per config, one column per target and ``Avg`` (the mean over the
targets), as EMPD's Tables I / III.

``--resume``: configs with a ``cross_dataset.json`` are not run again, a
finished training is reused, finished targets are not re-tested, and an
interrupted training resumes from its last checkpoint. Without
``--resume`` a ``ROOT/<name>`` that already holds results (or, when
training, a run) is an error, so nothing finished is overwritten.

``--skip-train``: no training; the checkpoint is the one a finished
training recorded in ``ROOT/<name>``, else the latest checkpoint there,
else the config's ``load_from`` (e.g. ``--cfg-options load_from=x.pth``).

Distributed (``--launcher pytorch`` under torchrun): the process group is
made once (gloo on CPU-only machines), every rank runs the same steps
(rank 0 decides what is finished and broadcasts it) and only rank 0
writes the result files. The work directory must be shared by all ranks.

Example (a Table-I-style block, one row per method)::

    python tools/misc/run_cross_dataset.py cfgA.py cfgB.py cfgC.py \\
        --work-dir-root work_dirs/table1
"""
import argparse
import copy
import gc
import json
import os
import os.path as osp
import time
from typing import Dict, Optional, Sequence

from mmengine.config import Config

PREFIX = '[run_cross_dataset]'


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description='Train each config once and test it on every target '
        'database of its cross_dataset entry; write the table.')
    p.add_argument('configs', nargs='+', help='train config files (one '
                   'table row each)')
    p.add_argument('--work-dir-root', default=None,
                   help='config <name> goes to ROOT/<name>; default: '
                   'work_dirs/cross_dataset')
    p.add_argument('--work-dir', default=None, help=argparse.SUPPRESS)
    p.add_argument('--resume', action='store_true',
                   help='skip finished configs / targets, reuse finished '
                   'trainings, resume interrupted ones')
    p.add_argument('--skip-train', action='store_true',
                   help='do not train: test the checkpoint found in '
                   'ROOT/<name>, else the config\'s load_from')
    # the arguments of tools/train.py (same meaning)
    from mmfer.utils.train_args import add_train_args
    add_train_args(p, 'override settings of every config, key=value')
    args = p.parse_args(argv)
    if args.work_dir is not None:
        p.error('run_cross_dataset.py writes config <name> to ROOT/<name>: '
                'use --work-dir-root ROOT instead of --work-dir.')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


# ----------------------------------------------------------------------
# Helpers (rank 0 decides and writes)
# ----------------------------------------------------------------------
def _is_main() -> bool:
    from mmengine.dist import is_main_process
    return is_main_process()


def _from_rank0(obj):
    """``obj`` of rank 0 on every rank (itself when not distributed)."""
    from mmengine.dist import broadcast_object_list, is_distributed
    if not is_distributed():
        return obj
    box = [obj]
    broadcast_object_list(box, src=0)
    return box[0]


def log(msg: str) -> None:
    if _is_main():
        print(f'{PREFIX} {msg}', flush=True)


def _read_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _write_json(path: str, obj: dict) -> None:
    if _is_main():
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            json.dump(obj, f, indent=1)


def load_config(path: str, args) -> Config:
    """The config with the train arguments merged (as tools/train.py)."""
    from mmfer.utils import merge_train_args
    cfg = Config.fromfile(path)
    train_args = argparse.Namespace(
        config=path, work_dir=None, resume=None, amp=args.amp,
        no_validate=args.no_validate, auto_scale_lr=args.auto_scale_lr,
        allow_partial_checkpoint=getattr(
            args, 'allow_partial_checkpoint', False),
        cfg_options=args.cfg_options)
    return merge_train_args(cfg, train_args)


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` of ``work_dir`` points at."""
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    with open(last) as f:
        ckpt = f.read().strip()
    if not osp.isabs(ckpt):
        ckpt = osp.join(work_dir, ckpt)
    return ckpt if osp.isfile(ckpt) else None


def run_state(work_dir: str, targets: Sequence[str]) -> dict:
    """What ``work_dir`` holds: ``done`` (cross_dataset.json), ``trained``
    (train_result.json), ``partial`` (a checkpoint without a finished
    training) and the finished ``targets``."""
    done = [t for t in targets if osp.isfile(
        osp.join(work_dir, 'targets', t, 'result.json'))]
    return dict(
        done=osp.isfile(osp.join(work_dir, 'cross_dataset.json')),
        trained=_read_json(osp.join(work_dir, 'train_result.json')),
        partial=latest_checkpoint(work_dir), targets=done)


def _runner_cfg(cfg: Config, work_dir: str, experiment: str, launcher: str,
                cpu_group: bool) -> Config:
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    # one mmengine logger / visualizer instance per run
    cfg.experiment_name = experiment
    cfg.launcher = launcher
    if cpu_group:  # as mmfer.utils.setup_distributed does for train.py
        from mmfer.utils import cpu_ddp_wrapper_cfg
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        if not cfg.get('model_wrapper_cfg'):
            cfg.model_wrapper_cfg = cpu_ddp_wrapper_cfg()
    return cfg


def train(cfg: Config, work_dir: str, name: str, resume: bool,
          launcher: str, cpu_group: bool) -> dict:
    """Train ``cfg`` in ``work_dir``; returns its final checkpoints."""
    from mmengine.runner import Runner
    cfg = _runner_cfg(cfg, work_dir, f'{name}_train', launcher, cpu_group)
    if resume:
        cfg.resume = True
        cfg.load_from = None  # the latest checkpoint of work_dir
    start = time.time()
    from mmfer.utils.work_dir_lock import lock_work_dir
    with lock_work_dir(work_dir):  # one training per work dir
        runner = Runner.from_cfg(cfg)
        runner.train()
    out = dict(last=latest_checkpoint(work_dir),
               best=runner.message_hub.get_info('best_ckpt'),
               epochs=runner.epoch, iters=runner.iter,
               seconds=round(time.time() - start, 1))
    del runner
    gc.collect()
    return out


def test_target(cfg: Config, spec, target: str, checkpoint: str,
                work_dir: str, launcher: str, cpu_group: bool) -> dict:
    """Metrics of ``checkpoint`` on ``target``, computed as tools/test.py
    computes them: a Runner of the config with ``load_from`` the
    checkpoint and ``test_dataloader.dataset`` the target's dataset (the
    config's batch size, sampler, ``test_evaluator`` and ``test_cfg``)."""
    from mmengine.runner import Runner

    from mmfer.evaluation.cross_dataset import metric_value
    for key in ('test_dataloader', 'test_evaluator', 'test_cfg'):
        if cfg.get(key) is None:
            raise KeyError(f'{cfg.filename}: cross-database testing uses '
                           f'the config\'s {key}; it has none.')
    tcfg = _runner_cfg(cfg, osp.join(work_dir, 'targets', target),
                       f'{spec.name}_{target}', launcher, cpu_group)
    tcfg.test_dataloader = copy.deepcopy(cfg.test_dataloader)
    tcfg.test_dataloader.dataset = spec.dataset_cfg(cfg, target)
    tcfg.load_from = checkpoint
    tcfg.resume = False
    runner = Runner.from_cfg(tcfg)
    metrics = runner.test()
    where = f'{cfg.filename} target {target}'
    result = dict(
        target=target, checkpoint=checkpoint,
        num_samples=len(runner.test_dataloader.dataset),
        dataset=tcfg.test_dataloader.dataset.to_dict(),
        metrics={k: metric_value(metrics, k, where) for k in metrics
                 if _is_scalar(metrics[k])},
        value=metric_value(metrics, spec.metric, where))
    del runner
    gc.collect()
    return result


def _is_scalar(v) -> bool:
    import numpy as np
    if hasattr(v, 'detach'):
        v = v.detach().cpu().numpy()
    arr = np.asarray(v)
    return arr.ndim == 0 and np.issubdtype(arr.dtype, np.number)


def choose_checkpoint(spec, state: dict, cfg: Config, work_dir: str,
                      skip_train: bool) -> str:
    """The checkpoint to test (see ``--skip-train`` and
    ``cross_dataset.checkpoint``)."""
    trained = state['trained']
    if trained is not None:
        ckpt = trained.get(spec.checkpoint)
        if not ckpt:
            raise FileNotFoundError(
                f'{work_dir}: cross_dataset.checkpoint=\'best\' but the '
                'training saved no best checkpoint. Set default_hooks.'
                "checkpoint.save_best='<metric>' or use checkpoint='last'.")
        return ckpt
    if skip_train:
        ckpt = state['partial'] or cfg.get('load_from')
        if ckpt:
            return ckpt
    raise FileNotFoundError(
        f'--skip-train: {work_dir} holds no checkpoint and the config has '
        'no load_from. Train first (drop --skip-train) or pass '
        '--cfg-options load_from=<checkpoint>.')


# ----------------------------------------------------------------------
def run_config(path: str, cfg: Config, spec, root: str, args,
               cpu_group: bool) -> dict:
    """Train (or reuse) and test one config; returns its row."""
    wd = osp.join(root, spec.name)
    targets = list(spec.targets)
    state = _from_rank0(run_state(wd, targets))
    if state['done'] and args.resume:
        log(f'{spec.name}: finished before, skipped (read '
            f'{osp.join(wd, "cross_dataset.json")})')
        return _read_json(osp.join(wd, 'cross_dataset.json'))
    held = state['done'] or state['targets'] or (
        not args.skip_train and (state['trained'] or state['partial']))
    if held and not args.resume:
        raise FileExistsError(
            f'{wd} already holds a run of {spec.name}; pass --resume to '
            'reuse finished work and continue interrupted work, or choose '
            'another --work-dir-root.')

    if state['trained'] is None and not args.skip_train:
        resume = state['partial'] is not None
        log(f'{spec.name}: {"resuming" if resume else "training"} {path} '
            f'in {wd}')
        trained = train(cfg, wd, spec.name, resume, args.launcher,
                        cpu_group)
        trained.update(config=path)
        _write_json(osp.join(wd, 'train_result.json'), trained)
        state['trained'] = trained
        log(f'{spec.name}: trained in {trained["seconds"]:.1f} s')
    elif state['trained'] is not None:
        log(f'{spec.name}: training finished before, reused')
    ckpt = _from_rank0(choose_checkpoint(spec, state, cfg, wd,
                                         args.skip_train))

    results: Dict[str, dict] = {}
    for i, target in enumerate(targets, 1):
        res_file = osp.join(wd, 'targets', target, 'result.json')
        tag = f'{spec.name} -> {target} ({i}/{len(targets)})'
        if target in state['targets']:
            results[target] = _read_json(res_file)
            log(f'{tag}: tested before, skipped')
        else:
            log(f'{tag}: testing {ckpt}')
            results[target] = test_target(cfg, spec, target, ckpt, wd,
                                          args.launcher, cpu_group)
            _write_json(res_file, results[target])
        log(f'{tag}: {spec.metric}={results[target]["value"]:.2f}')
    from mmfer.evaluation.cross_dataset import mean_over_targets
    values = {t: results[t]['value'] for t in targets}
    row = dict(spec.to_dict(), config=path, checkpoint_file=ckpt,
               results=values, avg=mean_over_targets(values),
               target_metrics={t: results[t]['metrics'] for t in targets},
               num_samples={t: results[t]['num_samples'] for t in targets})
    _write_json(osp.join(wd, 'cross_dataset.json'), row)
    return row


def write_table(root: str, rows: Sequence[dict]) -> str:
    from mmfer.evaluation.cross_dataset import format_cross_dataset_table
    table = format_cross_dataset_table(rows)
    metrics = sorted({r['metric'] for r in rows})
    if _is_main():
        os.makedirs(root, exist_ok=True)
        with open(osp.join(root, 'cross_dataset.json'), 'w') as f:
            json.dump(dict(rows=list(rows)), f, indent=1)
        with open(osp.join(root, 'cross_dataset.md'), 'w') as f:
            f.write(
                '# Cross-database evaluation\n\nEach row: a config trained '
                'on its source, tested on every target database; cells: '
                f'{", ".join(f"`{m}`" for m in metrics)} of its '
                f'{"/".join(sorted({r["checkpoint"] for r in rows}))} '
                'checkpoint; Avg: the mean over the targets.\n\n'
                f'{table}\n')
    return table


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Run every config; returns ``dict(rows=[...])`` (also written)."""
    from mmfer.evaluation.cross_dataset import CrossDatasetSpec
    from mmfer.utils import (init_cpu_distributed, register_all_modules,
                             set_trust_all)

    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    if args.trust_checkpoint:
        set_trust_all(True)
    cfgs = [load_config(p, args) for p in args.configs]
    specs = [CrossDatasetSpec(c, p) for c, p in zip(cfgs, args.configs)]
    names = [s.name for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(
            f'configs share the row names {dup}; give each a distinct '
            'cross_dataset.name (it is also its work directory).')
    cpu_group = init_cpu_distributed(args.launcher)
    root = osp.abspath(args.work_dir_root or osp.join('work_dirs',
                                                      'cross_dataset'))
    log(f'{len(cfgs)} config(s) -> {root}/<name>: {", ".join(names)}')
    rows = [run_config(p, c, s, root, args, cpu_group)
            for p, c, s in zip(args.configs, cfgs, specs)]
    table = write_table(root, rows)
    if _is_main():
        print(table, flush=True)
    log(f'wrote {osp.join(root, "cross_dataset.md")} and .json')
    return dict(rows=rows)


if __name__ == '__main__':
    main()
