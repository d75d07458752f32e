"""Merging the command-line arguments of ``tools/train.py`` into a config.

Shared by ``tools/train.py`` and ``tools/misc/run_folds.py`` (which trains
one config per fold with the same arguments), so both read them the same way.
"""
import os.path as osp


def merge_train_args(cfg, args):
    """Merge training CLI arguments into ``cfg`` (edited in place).

    Args:
        cfg (mmengine.Config): the loaded config.
        args (argparse.Namespace): with ``config``, ``work_dir``,
            ``resume`` (None, ``'auto'`` or a checkpoint path), ``amp``,
            ``no_validate``, ``auto_scale_lr`` and ``cfg_options``.

    Returns:
        mmengine.Config: ``cfg``.

    Raises:
        ValueError: ``--amp`` with an optimizer wrapper AMP cannot replace.
        FileNotFoundError: ``--resume PATH`` with no such file.
        KeyError: ``--auto-scale-lr`` without
            ``auto_scale_lr.base_batch_size`` in the config.
    """
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
