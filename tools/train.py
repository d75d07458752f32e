# Train a model from an mmfer config (single process, torchrun or slurm).
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmfer.utils import (merge_train_args, register_all_modules, set_trust_all,
                         setup_distributed)
from mmfer.utils.work_dir_lock import lock_work_dir


def parse_args():
    parser = argparse.ArgumentParser(description='Train an mmfer model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the latest checkpoint in the work_dir, or from '
        'the given checkpoint path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision (fp16 on CUDA; bf16 on CPU, '
        'which is slow on CPUs without bf16 units)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual batch size over '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--trust-checkpoint',
        action='store_true',
        help='allow full-pickle loading of checkpoints that are not plain '
        'state dicts. A pickle can run code: use only for files you trust.')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='load a load_from / --resume checkpoint even when fewer than '
        'half of the model\'s tensors match it (only the matching ones are '
        'loaded; by default that is refused as another model\'s '
        'checkpoint). Same as allow_partial_checkpoint=True in the config.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value ("xxx=yyy"; lists '
        'as key="[a,b]" or key=a,b; no spaces inside values)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2) or --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    cfg = merge_train_args(cfg, args)
    register_all_modules(init_default_scope=False)
    if args.trust_checkpoint:
        set_trust_all(True)
    setup_distributed(cfg, args.launcher)
    # one run per work dir: a second one would overwrite this one's files
    with lock_work_dir(cfg.work_dir):
        runner = Runner.from_cfg(cfg)
        runner.train()


if __name__ == '__main__':
    main()
