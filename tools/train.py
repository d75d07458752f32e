# Train a model from an mmfer config (single process, torchrun or slurm).
import argparse
import os

from mmengine.config import Config
from mmengine.runner import Runner

from mmfer.utils import (add_train_args, merge_train_args,
                         register_all_modules, set_trust_all,
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
    add_train_args(
        parser, 'override settings of the config, key=value ("xxx=yyy"; '
        'lists as key="[a,b]" or key=a,b; no spaces inside values)')
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
