"""Shared settings of the tests that run the quickstart config."""
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(REPO, 'configs', 'quickstart',
                      'resnet18-w32_synthface-expr-rgb-64px.py')
TINY_DATA = dict(subjects=4, samples=12, seed=0, size=64)


def quickstart_overrides(data_root, work_dir, max_epochs=2):
    """--cfg-options that shrink the quickstart to a few seconds."""
    return {
        'work_dir': work_dir,
        'train_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
        'train_dataloader.dataset.auto_generate': None,
        'val_dataloader.dataset.auto_generate': None,
        'test_dataloader.dataset.auto_generate': None,
        'train_dataloader.num_workers': 0,
        'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0,
        'train_dataloader.batch_size': 8,
        'train_cfg.max_epochs': max_epochs,
        'train_cfg.val_interval': max_epochs,
        'default_hooks.logger.interval': 1,
    }


def as_cli(options):
    """dict -> ``--cfg-options k=v ...`` argument list."""
    args = ['--cfg-options']
    for k, v in options.items():
        args.append(f'{k}={v}')
    return args
