# Confusion matrix PNG (counts and row-normalised %) of an expression model:
#   python tools/test.py CONFIG CHECKPOINT --out preds.pkl
#   python tools/analysis_tools/plot_confusion_matrix.py preds.pkl \
#       --checkpoint CHECKPOINT --out confusion_matrix.png
# or from the summed folds of tools/misc/run_folds.py --confusion-matrix:
#   python tools/analysis_tools/plot_confusion_matrix.py \
#       ROOT/confusion_matrix.csv --out confusion_matrix.png
# Class names: --classes, else the checkpoint's dataset_meta, else the
# config's test dataset, else the csv header (indices for a bare .pkl).
import argparse
import os.path as osp

from mmfer.visualization.plots import (confusion_from_predictions,
                                       load_dataset_meta, load_predictions,
                                       plot_confusion_matrix,
                                       read_confusion_csv)


def confusion_and_classes(args):
    """(K, K) counts and K names (or None) from the CLI arguments."""
    if args.input.endswith('.csv'):
        cm, classes = read_confusion_csv(args.input)
    else:
        samples = load_predictions(args.input)
        meta = {} if args.classes else load_dataset_meta(
            args.config, args.checkpoint)
        classes = args.classes or meta.get('classes') or None
        cm = confusion_from_predictions(samples,
                                        len(classes) if classes else None,
                                        path=args.input)
    if args.classes:
        classes = args.classes
    if classes is not None and len(classes) != len(cm):
        raise ValueError(f'{len(classes)} class names {list(classes)} for a '
                         f'{len(cm)}-class confusion matrix of {args.input}')
    return cm, classes


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot a confusion matrix from tools/test.py --out '
        'preds.pkl or run_folds.py\'s confusion_matrix.csv')
    parser.add_argument('input', help='preds.pkl or confusion_matrix.csv')
    parser.add_argument('--out',
                        help='PNG path (default: the input with '
                        '.png)')
    parser.add_argument('--config',
                        help='config whose test dataset names '
                        'the classes')
    parser.add_argument('--checkpoint',
                        help='checkpoint whose dataset_meta '
                        'names the classes')
    parser.add_argument('--classes',
                        nargs='+',
                        help='class names in label '
                        'order')
    parser.add_argument('--title',
                        help='figure title (default: the input '
                        'file name)')
    parser.add_argument('--dpi', type=int, default=100)
    args = parser.parse_args(argv)
    cm, classes = confusion_and_classes(args)
    out = args.out or osp.splitext(args.input)[0] + '.png'
    plot_confusion_matrix(cm,
                          classes,
                          out,
                          title=args.title or osp.basename(args.input),
                          dpi=args.dpi)
    print(f'confusion matrix of {int(cm.sum())} samples -> {out}')
    return cm


if __name__ == '__main__':
    main()
