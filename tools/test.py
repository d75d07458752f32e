# Evaluate a checkpoint on the test split of a config.
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.runner import Runner

from mmfer.utils import register_all_modules, set_trust_all, setup_distributed
from mmfer.utils.cfg_options import check_cfg_options
from mmfer.utils.checkpoint import check_checkpoint_file
from mmfer.utils.model_checkpoint import PARTIAL_CFG_KEY


def parse_args():
    parser = argparse.ArgumentParser(description='Test an mmfer model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument(
        '--out', help='dump the predictions of every sample to this .pkl')
    parser.add_argument(
        '--show-dir',
        help='save images annotated with ground truth and predictions '
        'here (relative paths are inside the work_dir)')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow full-pickle loading of a checkpoint that is not a '
        'plain state dict. A pickle can run code: only for trusted files.')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='test even when fewer than half of the model\'s tensors are in '
        'the checkpoint (by default refused as another model\'s '
        'checkpoint). Same as allow_partial_checkpoint=True in the config.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    check_cfg_options(cfg, args.cfg_options)  # before anything changes
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'Checkpoint not found: {args.checkpoint}')
    check_checkpoint_file(args.checkpoint)  # empty / truncated: before setup
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if getattr(args, 'allow_partial_checkpoint', False):
        cfg[PARTIAL_CFG_KEY] = True
    if args.show_dir is not None:
        cfg.default_hooks.visualization = dict(
            type='FERVisualizationHook', enable=True, out_dir=args.show_dir)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        raise ValueError('--out must be a .pkl or .pickle file')
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    register_all_modules(init_default_scope=False)
    if args.trust_checkpoint:
        set_trust_all(True)
    setup_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    runner.logger.info(f'Test metrics: {metrics}')


if __name__ == '__main__':
    main()
