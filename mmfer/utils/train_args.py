"""The command-line arguments of ``tools/train.py``: declared and merged.

Shared by ``tools/train.py``, ``tools/misc/run_folds.py`` (one training per
fold) and ``tools/misc/run_cross_dataset.py`` (one training per config), so
they read the same arguments the same way.
"""
import os.path as osp


def add_train_args(parser, options_help: str = 'override settings of the '
                   'config, key=value'):
    """Add ``tools/train.py``'s training arguments to a runner's parser:
    ``--amp``, ``--no-validate``, ``--auto-scale-lr``, ``--trust-checkpoint``,
    ``--allow-partial-checkpoint``, ``--cfg-options``, ``--launcher``,
    ``--local-rank``.

    Args:
        parser (argparse.ArgumentParser): the tool's parser.
        options_help (str): help text of ``--cfg-options``.
    """
    from mmengine.config import DictAction
    parser.add_argument(
        '--amp', action='store_true',
        help='enable automatic mixed precision (fp16 on CUDA; bf16 on CPU, '
        'which is slow on CPUs without bf16 units)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the actual batch size over '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full-pickle loading of checkpoints that are not plain '
        'state dicts. A pickle can run code: use only for files you trust.')
    parser.add_argument(
        '--allow-partial-checkpoint', action='store_true',
        help='load a load_from / --resume checkpoint even when fewer than '
        'half of the model\'s tensors match it (only the matching ones are '
        'loaded; by default that is refused as another model\'s '
        'checkpoint). Same as allow_partial_checkpoint=True in the config.')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help=options_help)
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2) or --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def merge_train_args(cfg, args):
    """Merge training CLI arguments into ``cfg`` (edited in place).

    Args:
        cfg (mmengine.Config): the loaded config.
        args (argparse.Namespace): with ``config``, ``work_dir``,
            ``resume`` (None, ``'auto'`` or a checkpoint path), ``amp``,
            ``no_validate``, ``auto_scale_lr``, ``cfg_options`` and
            optionally ``allow_partial_checkpoint``.

    Returns:
        mmengine.Config: ``cfg``.

    Raises:
        ValueError: ``--amp`` with an optimizer wrapper AMP cannot replace.
        FileNotFoundError: ``--resume PATH`` with no such file.
        CorruptCheckpointError: ``--resume PATH`` empty or truncated.
        KeyError: ``--auto-scale-lr`` without
            ``auto_scale_lr.base_batch_size`` in the config.
        TopLevelOverrideError: a ``--cfg-options`` key on a top-level
            variable the config already substituted into nested keys (see
            :mod:`mmfer.utils.cfg_options`).
    """
    from .cfg_options import check_cfg_options
    from .checkpoint import check_checkpoint_file
    from .model_checkpoint import PARTIAL_CFG_KEY
    # before anything is changed: the options are checked against the file
    check_cfg_options(cfg, args.cfg_options)
    if getattr(args, 'allow_partial_checkpoint', False):
        cfg[PARTIAL_CFG_KEY] = True
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    # work_dir priority: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper',
                                 'BF16AutocastOptimWrapper'):
            raise ValueError(f'--amp needs OptimWrapper, the config uses '
                             f'{optim_wrapper}.')
        import torch
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            # mmengine's AMP is GPU-only; CPU autocast supports bfloat16
            cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume {args.resume}: no such checkpoint file.')
        check_checkpoint_file(args.resume)  # empty / truncated: before setup
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        cfg.auto_scale_lr = cfg.get('auto_scale_lr', {})
        if 'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs auto_scale_lr.'
                           'base_batch_size in the config.')
        cfg.auto_scale_lr.enable = True

    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg
