# Train and test a DFER config on several folds; report UAR/WAR per fold
# and their mean (the DFEW / MAFW 5-fold protocol).
#
#   python tools/misc/run_dfer_folds.py CONFIG --folds 1 2 3 4 5 \
#       [--work-dir DIR] [--cfg-options k=v ...]
#
# Folds run one after another, each in DIR/fold_<k> (DIR defaults to
# work_dirs/<config name>). The tool is resumable: a fold whose
# fold_result.json exists is not run again, and an interrupted fold resumes
# from its last checkpoint. As in MMA-DFER, the model after the last epoch
# is evaluated on the fold's test split (`runner.test()` right after
# training). Results: DIR/fold_<k>/fold_result.json and DIR/summary.json.
import argparse
import gc
import json
import os.path as osp
import sys

import numpy as np
from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Run a DFER config on several folds (train + test) and '
        'report UAR/WAR per fold and the mean.')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--folds',
        type=int,
        nargs='+',
        default=[1, 2, 3, 4, 5],
        help='folds to run (1-5). Defaults to all five.')
    parser.add_argument(
        '--work-dir',
        help='root work dir; fold k goes to <work-dir>/fold_<k>. Defaults to '
        'work_dirs/<config name>.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config (key=value)')
    args = parser.parse_args(argv)
    bad = [f for f in args.folds if f not in range(1, 6)]
    if bad:
        parser.error(f'--folds must be within 1-5, got {bad}')
    return args


def set_fold(dataset_cfg, fold: int, where: str) -> None:
    """Set ``fold`` on a dataset config (looking through wrappers)."""
    cfg = dataset_cfg
    while 'fold' not in cfg and isinstance(cfg.get('dataset'), dict):
        cfg = cfg['dataset']  # e.g. RepeatDataset / ClassBalancedDataset
    if 'fold' not in cfg:
        raise KeyError(
            f'{where}.dataset ({cfg.get("type")}) has no "fold" argument; '
            'run_dfer_folds.py works with fold-based datasets such as '
            'DFEWDataset and MAFWDataset.')
    cfg['fold'] = fold


def fold_config(args, fold: int) -> Config:
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key) is not None:
            set_fold(cfg[key]['dataset'], fold, key)
    if cfg.get('test_dataloader') is None:
        raise KeyError(f'{args.config} has no test_dataloader to evaluate '
                       'each fold on.')
    cfg.work_dir = osp.join(work_root(args), f'fold_{fold}')
    if osp.isfile(osp.join(cfg.work_dir, 'last_checkpoint')):
        cfg.resume = True  # resume the interrupted fold
        cfg.load_from = None
    return cfg


def work_root(args) -> str:
    if args.work_dir:
        return args.work_dir
    return osp.join('work_dirs', osp.splitext(osp.basename(args.config))[0])


def run_fold(args, fold: int) -> dict:
    """Train and test one fold; returns (and saves) its result dict."""
    from mmengine.runner import Runner

    from mmfer.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = fold_config(args, fold)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    dataset = runner.test_dataloader.dataset
    result = dict(
        fold=fold,
        metrics={k: float(v)
                 for k, v in metrics.items()},
        num_test_clips=len(dataset),
        test_clip_ids=[
            dataset.get_data_info(i).get('clip_id')
            for i in range(len(dataset))
        ])
    with open(osp.join(cfg.work_dir, 'fold_result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    del runner
    gc.collect()
    return result


def summarize(results: list) -> dict:
    """Mean and std over folds of every metric present in all of them."""
    keys = sorted(set.intersection(*[set(r['metrics']) for r in results]))
    summary = {}
    for key in keys:
        values = np.asarray([r['metrics'][key] for r in results])
        summary[key] = dict(mean=float(values.mean()),
                            std=float(values.std()))
    return summary


def format_table(results: list, summary: dict) -> str:
    keys = [k for k in summary if 'UAR' in k or 'WAR' in k] or list(summary)
    lines = ['fold  ' + '  '.join(f'{k:>12}' for k in keys)]
    for r in results:
        lines.append(f'{r["fold"]:<4}  ' + '  '.join(
            f'{r["metrics"][k]:12.2f}' for k in keys))
    lines.append('mean  ' + '  '.join(f'{summary[k]["mean"]:12.2f}'
                                     for k in keys))
    lines.append('std   ' + '  '.join(f'{summary[k]["std"]:12.2f}'
                                     for k in keys))
    return '\n'.join(lines)


def main(argv=None) -> dict:
    args = parse_args(argv)
    results = []
    for fold in args.folds:
        path = osp.join(work_root(args), f'fold_{fold}', 'fold_result.json')
        if osp.isfile(path):
            with open(path) as f:
                result = json.load(f)
            print(f'[run_dfer_folds] fold {fold}: done before, read {path}',
                  flush=True)
        else:
            print(f'[run_dfer_folds] fold {fold}: training ...', flush=True)
            result = run_fold(args, fold)
        results.append(result)
        print(f'[run_dfer_folds] fold {fold}: ' + ', '.join(
            f'{k}={v:.2f}' for k, v in result['metrics'].items()),
              flush=True)
    summary = summarize(results)
    table = format_table(results, summary)
    print(table, flush=True)
    out = dict(config=args.config, folds=args.folds, summary=summary,
               per_fold={r['fold']: r['metrics'] for r in results})
    with open(osp.join(work_root(args), 'summary.json'), 'w') as f:
        json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main(sys.argv[1:])
