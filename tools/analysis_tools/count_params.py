# Parameter counts of a config's model and its sub-modules, e.g. MCM
# (paper, Sec. 4.5.2: 125M in the pre-training model, 85M in the encoder):
#   python tools/analysis_tools/count_params.py \
#       configs/mcm/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py --depth 2
import argparse
from collections import OrderedDict

from mmengine.config import Config, DictAction
from torch import nn


def count(module: nn.Module):
    """(total, trainable) parameter counts of a module."""
    total = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return total, trainable


def param_table(model: nn.Module, depth: int = 2) -> 'OrderedDict':
    """name -> (total, trainable) for the model and sub-modules up to
    ``depth`` levels deep."""
    rows = OrderedDict([('(model)', count(model))])
    for name, module in model.named_modules():
        if name and name.count('.') < depth:
            rows[name] = count(module)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Print parameter counts of a config\'s model')
    parser.add_argument('config')
    parser.add_argument('--depth', type=int, default=2,
                        help='sub-module nesting depth to list (default 2)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    from mmfer.registry import MODELS
    from mmfer.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = MODELS.build(cfg.model)
    rows = param_table(model, args.depth)
    width = max(len(n) for n in rows) + 2
    print(f'{"module":<{width}}{"params (M)":>12}{"trainable (M)":>15}')
    for name, (total, trainable) in rows.items():
        indent = '  ' * (name.count('.') + (0 if name == '(model)' else 1))
        print(f'{indent + name:<{width}}{total / 1e6:>12.2f}'
              f'{trainable / 1e6:>15.2f}')
    return rows


if __name__ == '__main__':
    main()
