# Training curves (loss, lr, validation metrics) from a work dir's
# <timestamp>/vis_data/scalars.json (mmengine's LocalVisBackend):
#   python tools/analysis_tools/plot_curves.py work_dirs/RUN --out curves.png
#   python tools/analysis_tools/plot_curves.py work_dirs/RUN \
#       --keys loss 'au/F1_*' au/F1_mean --x iter
# One subplot per --keys entry (a key or an fnmatch pattern; a pattern that
# matches several keys draws them together). Default keys: loss*, lr and
# every validation metric. --list prints the available keys.
import argparse
import os.path as osp

from mmfer.visualization.plots import (curve_data, default_curve_keys,
                                       iters_per_epoch_from_log, load_scalars,
                                       plot_curves, scalar_keys)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot training curves from scalars.json')
    parser.add_argument('input', help='work dir or scalars.json')
    parser.add_argument('--keys',
                        nargs='+',
                        help='keys / fnmatch patterns, '
                        'one subplot each (default: loss*, lr, val metrics)')
    parser.add_argument('--x',
                        choices=['epoch', 'iter'],
                        default=None,
                        help='x axis (default: epoch for epoch-based runs)')
    parser.add_argument('--iters-per-epoch',
                        type=int,
                        help='default: read '
                        'from the run\'s log')
    parser.add_argument('--out',
                        help='PNG path (default: curves.png beside '
                        'scalars.json)')
    parser.add_argument('--columns', type=int, default=3)
    parser.add_argument('--title')
    parser.add_argument('--dpi', type=int, default=100)
    parser.add_argument('--list',
                        action='store_true',
                        help='print the keys and exit')
    args = parser.parse_args(argv)
    records, path = load_scalars(args.input)
    if args.list:
        train, val = scalar_keys(records)
        print(f'{path}\ntraining: {" ".join(train)}\nvalidation: '
              f'{" ".join(val)}')
        return None
    epoch_based = any('epoch' in r for r in records if 'iter' in r)
    x = args.x or ('epoch' if epoch_based else 'iter')
    ipe = args.iters_per_epoch or iters_per_epoch_from_log(path)
    groups = curve_data(records,
                        args.keys or default_curve_keys(records),
                        x=x,
                        iters_per_epoch=ipe,
                        path=path)
    out = args.out or osp.join(osp.dirname(path), 'curves.png')
    plot_curves(groups,
                out,
                x=x,
                title=args.title,
                columns=args.columns,
                dpi=args.dpi)
    print(f'{sum(len(g) for g in groups)} curves of {path} -> {out}')
    return groups


if __name__ == '__main__':
    main()
