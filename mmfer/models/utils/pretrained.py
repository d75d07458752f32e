"""A clear error for a missing ``init_cfg=dict(type='Pretrained', ...)``.

mmengine's ``PretrainedInit`` fails deep inside ``load_checkpoint`` with
"<file> can not be found" (or mmfer's "Checkpoint file not found"), without
saying where the file comes from. :func:`check_pretrained_checkpoints` runs
before weights are initialised and names the file, the module whose
``init_cfg`` asks for it, how to produce it and how to start from scratch.
"""
import glob
import os.path as osp
from typing import List, Tuple

from torch import nn


def _pretrained_paths(model: nn.Module) -> List[Tuple[str, str]]:
    """(module name, local checkpoint path) of every Pretrained init_cfg."""
    found = []
    for name, module in model.named_modules():
        cfgs = getattr(module, 'init_cfg', None)
        if cfgs is None:
            continue
        for cfg in cfgs if isinstance(cfgs, (list, tuple)) else [cfgs]:
            if not isinstance(cfg, dict) or cfg.get('type') != 'Pretrained':
                continue
            ckpt = cfg.get('checkpoint')
            if isinstance(ckpt, str) and '://' not in ckpt:
                found.append((name, ckpt))
    return found


def _producing_config(ckpt: str) -> str:
    """The config whose ``work_dirs/<config>/...`` output ``ckpt`` is."""
    parts = osp.normpath(ckpt).split(osp.sep)
    if 'work_dirs' in parts and parts.index('work_dirs') + 1 < len(parts) - 1:
        name = parts[parts.index('work_dirs') + 1]
        repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
            osp.abspath(__file__)))))
        for root in ('.', repo):
            hits = sorted(glob.glob(osp.join(root, 'configs', '**',
                                             f'{name}.py'), recursive=True))
            if hits:
                return osp.relpath(hits[0], root)
        return f'configs/<...>/{name}.py'
    return ''


def check_pretrained_checkpoints(model: nn.Module) -> None:
    """Raise a helpful error if a local pre-trained checkpoint is missing.

    Args:
        model (nn.Module): the model about to run ``init_weights``.

    Raises:
        FileNotFoundError: naming the file, the module (config key), the
            command that produces it and the override that trains from
            scratch.
    """
    for name, ckpt in _pretrained_paths(model):
        if osp.isfile(osp.expanduser(ckpt)):
            continue
        key = f'model.{name}.init_cfg' if name else 'model.init_cfg'
        producer = _producing_config(ckpt)
        how = []
        if producer:
            how.append(f'pre-train it: python tools/train.py {producer} '
                       f'(writes {ckpt}; or point {key}.checkpoint at an '
                       'epoch you have)')
        how.append(('or ' if how else '') +
                   'convert the official MAE ImageNet weights: python '
                   'tools/model_converters/mae2mmfer.py '
                   'mae_pretrain_vit_base.pth <out.pth>, then '
                   f'--cfg-options {key}.checkpoint=<out.pth>')
        how.append(f'or train from scratch: --cfg-options {key}=None')
        raise FileNotFoundError(
            f'Pre-trained checkpoint "{ckpt}" (from {key}) does not exist '
            f'(working directory {osp.abspath(".")}). To get it, '
            + '; '.join(how) + '.')
