# Per-AU F1 bar chart of an AU model:
#   python tools/test.py CONFIG CHECKPOINT --out preds.pkl
#   python tools/analysis_tools/plot_au_f1.py preds.pkl \
#       --checkpoint CHECKPOINT --out au_f1.png
# or from the AUMetric table in a run's text log (a .log file or a work dir;
# the last evaluation unless --eval-index):
#   python tools/analysis_tools/plot_au_f1.py work_dirs/RUN --out au_f1.png
import argparse
import os.path as osp

from mmfer.visualization.plots import (au_f1_from_predictions,
                                       load_dataset_meta, load_predictions,
                                       parse_au_f1_log, plot_au_f1)


def au_f1(args) -> dict:
    """AU name -> F1 (%) from the CLI arguments."""
    if args.input.endswith(('.pkl', '.pickle')):
        samples = load_predictions(args.input)
        meta = {} if args.au_names else load_dataset_meta(
            args.config, args.checkpoint)
        return au_f1_from_predictions(samples,
                                      args.au_names or meta.get('au_names'),
                                      threshold=args.threshold,
                                      path=args.input)
    blocks = parse_au_f1_log(args.input)
    try:
        block = blocks[args.eval_index]
    except IndexError:
        raise IndexError(f'{args.input}: --eval-index {args.eval_index}, but '
                         f'the log has {len(blocks)} AU evaluations') from None
    return block['f1']


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Per-AU F1 bar chart from tools/test.py --out preds.pkl '
        'or from the AUMetric table of a run\'s log')
    parser.add_argument('input', help='preds.pkl, a .log file or a work dir')
    parser.add_argument('--out',
                        help='PNG path (default: au_f1.png beside '
                        'the input)')
    parser.add_argument('--config',
                        help='config whose test dataset names '
                        'the AUs (preds.pkl only)')
    parser.add_argument('--checkpoint',
                        help='checkpoint whose dataset_meta '
                        'names the AUs (preds.pkl only)')
    parser.add_argument('--au-names',
                        nargs='+',
                        help='AU names in label '
                        'order (preds.pkl only)')
    parser.add_argument('--threshold',
                        type=float,
                        default=0.5,
                        help='decision threshold (preds.pkl only)')
    parser.add_argument('--eval-index',
                        type=int,
                        default=-1,
                        help='which evaluation of a log (default: the last)')
    parser.add_argument('--title')
    parser.add_argument('--dpi', type=int, default=100)
    args = parser.parse_args(argv)
    f1 = au_f1(args)
    base = args.input if osp.isdir(args.input) else osp.dirname(args.input)
    out = args.out or osp.join(base, 'au_f1.png')
    plot_au_f1(f1,
               out,
               title=args.title or osp.basename(osp.normpath(args.input)),
               dpi=args.dpi)
    print('  '.join(f'{k} {v:.1f}' for k, v in f1.items()) + f'\n-> {out}')
    return f1


if __name__ == '__main__':
    main()
