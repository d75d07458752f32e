"""Plots from logs and results: confusion matrix, per-AU F1, training curves.

The library side of ``tools/analysis_tools/plot_confusion_matrix.py``,
``plot_au_f1.py`` and ``plot_curves.py``: readers that turn a result file
into numbers (tested on their own) and plotters that draw those numbers
with matplotlib's Agg canvas (no display needed, the global pyplot state
is never touched).

Inputs:

- ``preds.pkl`` of ``tools/test.py --out``: mmengine's ``DumpResults``
  pickles a list of dicts, one per test sample (``FERDataSample.to_dict()``):
  ``gt_label`` (tensor (1,)), ``pred_label`` (tensor (1,)), ``pred_score``
  (tensor (K,)) for expressions; ``gt_au`` (tensor (A,), -1 = not coded)
  and ``pred_au_score`` (tensor (A,)) for AUs; meta keys (``img_path``,
  ``subject``, ...).
- ``confusion_matrix.csv`` of ``tools/misc/run_folds.py
  --confusion-matrix``: header ``true \\ predicted (%), <classes...>,
  samples``; one row per ground-truth class with row percentages and the
  class's sample count.
- the text log of a run with :class:`~mmfer.evaluation.AUMetric`: after a
  line ending in ``AU detection (threshold 0.50):`` one line per AU,
  ``   AU1  F1= 45.20  acc= 88.00  positives=12``.
- ``<work_dir>/<timestamp>/vis_data/scalars.json`` of mmengine's
  ``LocalVisBackend``: one json dict per line; training lines carry
  ``epoch``, ``iter`` and ``step`` (= iter), validation lines only ``step``
  (the epoch for epoch-based loops, the iteration otherwise).
"""
import csv
import fnmatch
import glob
import json
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmfer.evaluation.metrics.au_metric import AUMetric, au_display_name
from mmfer.evaluation.metrics.expression_metric import confusion_matrix

# ---------------------------------------------------------------- readers


def load_predictions(path: str) -> List[dict]:
    """The list of per-sample dicts that ``tools/test.py --out`` dumped.

    Raises:
        FileNotFoundError / ValueError: naming ``path`` and the fix.
    """
    import mmengine
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: no such predictions file; write one with python '
            'tools/test.py CONFIG CHECKPOINT --out preds.pkl')
    samples = mmengine.load(path, file_format='pkl')
    if not isinstance(samples, (list, tuple)) or not samples or not all(
            isinstance(s, dict) for s in samples):
        raise ValueError(
            f'{path}: expected a non-empty list of per-sample dicts (the '
            'dump of tools/test.py --out), got '
            f'{type(samples).__name__}' +
            (f' of {len(samples)} items' if isinstance(samples,
                                                       (list, tuple)) else ''))
    return list(samples)


def _require(samples: Sequence[dict], keys: Sequence[str], path: str,
             what: str) -> None:
    missing = [k for k in keys if k not in samples[0]]
    if missing:
        raise KeyError(f'{path}: the samples have no {missing} (their keys: '
                       f'{sorted(samples[0])}); {what}')


def _scalar(value) -> int:
    return int(np.asarray(value).reshape(-1)[0])


def confusion_from_predictions(samples: Sequence[dict],
                               num_classes: Optional[int] = None,
                               path: str = 'predictions') -> np.ndarray:
    """(K, K) counts, rows = ground truth, from dumped samples.

    The prediction is ``pred_label`` (the head's argmax, what
    :class:`~mmfer.evaluation.ExpressionMetric` scores), else the argmax
    of ``pred_score``.

    Args:
        samples (Sequence[dict]): from :func:`load_predictions`.
        num_classes (int, optional): K; defaults to the length of
            ``pred_score``, else the largest label + 1.
        path (str): named in error messages.

    Returns:
        np.ndarray: (K, K) int64.
    """
    _require(samples, ['gt_label'], path,
             'an expression model\'s dump has gt_label and pred_label')
    if 'pred_label' not in samples[0] and 'pred_score' not in samples[0]:
        _require(samples, ['pred_label'], path,
                 'is it the dump of an expression model?')
    gt = np.array([_scalar(s['gt_label']) for s in samples])
    if 'pred_label' in samples[0]:
        pred = np.array([_scalar(s['pred_label']) for s in samples])
    else:
        pred = np.array(
            [int(np.asarray(s['pred_score']).argmax()) for s in samples])
    if num_classes is None:
        num_classes = (len(np.asarray(samples[0]['pred_score']).reshape(-1))
                       if 'pred_score' in samples[0] else
                       int(max(gt.max(), pred.max())) + 1)
    if gt.min() < 0 or max(gt.max(), pred.max()) >= num_classes:
        raise ValueError(
            f'{path}: labels span {min(gt.min(), pred.min())}..'
            f'{max(gt.max(), pred.max())}, outside 0..{num_classes - 1} of '
            f'{num_classes} classes (check num_classes / the class names)')
    return confusion_matrix(gt, pred, num_classes)


def read_confusion_csv(path: str) -> Tuple[np.ndarray, List[str]]:
    """Counts and class names from ``run_folds.py``'s
    ``confusion_matrix.csv`` (row percentages x the row's sample count,
    rounded).

    Returns:
        tuple: (K, K) int64 counts and the K class names.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: no such file; tools/misc/run_folds.py CONFIG '
            '--confusion-matrix writes ROOT/confusion_matrix.csv')
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    if len(rows) < 2 or len(rows[0]) < 3 or rows[0][-1] != 'samples':
        raise ValueError(
            f'{path}: not a run_folds confusion matrix (expected the header '
            '"true \\ predicted (%), <classes...>, samples")')
    classes = rows[0][1:-1]
    k = len(classes)
    counts = np.zeros((k, k), np.int64)
    if len(rows) - 1 != k:
        raise ValueError(f'{path}: {len(rows) - 1} rows for {k} classes')
    for i, row in enumerate(rows[1:]):
        if len(row) != k + 2:
            raise ValueError(f'{path}: row {i + 2} has {len(row)} fields, '
                             f'expected {k + 2}')
        n = int(row[-1])
        counts[i] = np.rint(np.asarray(row[1:-1], float) / 100 * n)
    return counts, classes


def au_f1_from_predictions(samples: Sequence[dict],
                           au_names: Optional[Sequence] = None,
                           threshold: float = 0.5,
                           path: str = 'predictions') -> Dict[str, float]:
    """Per-AU F1 (%) of dumped AU predictions, computed by
    :class:`~mmfer.evaluation.AUMetric` (the numbers the test log shows).

    Args:
        samples (Sequence[dict]): with ``gt_au`` (A,) and
            ``pred_au_score`` (A,).
        au_names (Sequence, optional): A names (``1`` or ``'AU1'``);
            default ``AU0``..``AU{A-1}``.
        threshold (float): decision threshold. Defaults to 0.5.

    Returns:
        dict: ``'AU1' -> F1`` in AU order (NaN for an AU never coded).
    """
    _require(samples, ['gt_au', 'pred_au_score'], path,
             'an AU model\'s dump of tools/test.py --out has both')
    metric = AUMetric(threshold=threshold, au_names=au_names)
    metric.process(None, samples)
    scores = metric.compute_metrics(metric.results)
    return {
        k[len('F1_'):]: v
        for k, v in scores.items() if k.startswith('F1_') and k != 'F1_mean'
    }


_AU_HEADER = re.compile(r'AU detection \(threshold ([\d.]+)\):\s*$')
_AU_ROW = re.compile(r'^\s*(\S+)\s+F1=\s*([-\d.na]+)\s+acc=')


def parse_au_f1_log(path: str) -> List[dict]:
    """Every per-AU table that :class:`~mmfer.evaluation.AUMetric` logged.

    Args:
        path (str): a ``.log`` file, or a work dir (its newest
            ``*/*.log``).

    Returns:
        list[dict]: one per evaluation, in log order: ``threshold``
        (float) and ``f1`` (dict AU name -> F1 %, NaN for ``nan``).
    """
    log = _find_run_file(path, '*.log', 'a text log')
    blocks = []
    current = None
    with open(log) as f:
        for line in f:
            header = _AU_HEADER.search(line)
            if header:
                current = dict(threshold=float(header.group(1)), f1={})
                blocks.append(current)
                continue
            row = _AU_ROW.match(line) if current is not None else None
            if row:
                current['f1'][row.group(1)] = float(row.group(2))
            else:
                current = None
    blocks = [b for b in blocks if b['f1']]
    if not blocks:
        raise ValueError(
            f'{log}: no per-AU F1 table ("AU detection (threshold ...):" '
            'followed by "AU1  F1= ..." lines); is it the log of a run '
            'evaluated with AUMetric?')
    return blocks


def _find_run_file(path: str, pattern: str, what: str) -> str:
    """``path`` itself, or the newest ``path/<timestamp>/<pattern>``."""
    if osp.isfile(path):
        return path
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such file or work dir')
    found = sorted(glob.glob(osp.join(path, '*', pattern)))
    if not found:
        raise FileNotFoundError(
            f'{path}: no {what} ({osp.join(path, "*", pattern)}); pass the '
            'work_dir of a tools/train.py or tools/test.py run')
    return found[-1]  # timestamped folders sort in time order


def load_scalars(path: str) -> Tuple[List[dict], str]:
    """The records of a ``scalars.json`` (``path`` or the newest
    ``path/*/vis_data/scalars.json`` of a work dir).

    Returns:
        tuple: list of dicts (one per logged line) and the file read.
    """
    if osp.isdir(path):
        path = _find_run_file(path, osp.join('vis_data', 'scalars.json'),
                              'LocalVisBackend scalars')
    elif not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such scalars.json or work dir')
    records = []
    with open(path) as f:
        for i, line in enumerate(f):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f'{path}: line {i + 1} is not json '
                                     f'({e})') from None
    if not records:
        raise ValueError(f'{path}: no records')
    return records, path


_ITERS_PER_EPOCH = re.compile(r'Epoch\(train\)\s*\[\d+\]\[\s*\d+/(\d+)\]')


def iters_per_epoch_from_log(scalars_path: str) -> Optional[int]:
    """Iterations per epoch, from the ``Epoch(train) [e][i/N]`` lines of
    the text log beside ``<timestamp>/vis_data/scalars.json`` (None when
    there is no such log or line)."""
    run_dir = osp.dirname(osp.dirname(osp.abspath(scalars_path)))
    for log in sorted(glob.glob(osp.join(run_dir, '*.log'))):
        with open(log) as f:
            for line in f:
                m = _ITERS_PER_EPOCH.search(line)
                if m:
                    return int(m.group(1))
    return None


_NOT_CURVES = ('epoch', 'iter', 'step', 'data_time', 'time')


def scalar_keys(records: Sequence[dict]) -> Tuple[List[str], List[str]]:
    """Plottable keys of training records (with ``iter``) and of
    validation records (without), in first-seen order."""
    train, val = {}, {}
    for r in records:
        target = train if 'iter' in r else val
        for k, v in r.items():
            if k not in _NOT_CURVES and isinstance(v, (int, float)):
                target.setdefault(k, None)
    return list(train), list(val)


def default_curve_keys(records: Sequence[dict]) -> List[str]:
    """``loss*`` and ``lr`` of training, every validation metric."""
    train, val = scalar_keys(records)
    return [k for k in train if k.startswith('loss') or k == 'lr'] + val


def curve_data(records: Sequence[dict],
               patterns: Sequence[str],
               x: str = 'iter',
               iters_per_epoch: Optional[int] = None,
               path: str = 'scalars.json') -> List[Dict[str, tuple]]:
    """The curves to plot, one group (subplot) per pattern.

    Args:
        records (Sequence[dict]): from :func:`load_scalars`.
        patterns (Sequence[str]): keys or ``fnmatch`` patterns
            (``'au/F1_*'``); a pattern matching several keys draws them in
            one subplot.
        x (str): ``'iter'`` or ``'epoch'``. Training records sit at their
            ``iter`` (``'epoch'``: ``iter / iters_per_epoch``); validation
            records of an epoch-based run (``step`` = epoch) at
            ``step * iters_per_epoch`` (``'epoch'``: ``step``), of an
            iteration-based run at ``step``.
        iters_per_epoch (int, optional): needed to put training and
            validation of an epoch-based run on one axis; see
            :func:`iters_per_epoch_from_log`.

    Returns:
        list[dict]: per pattern, key -> ``(xs, ys)`` float arrays.
    """
    if x not in ('iter', 'epoch'):
        raise ValueError(f'x must be "iter" or "epoch", got {x!r}')
    train_keys, val_keys = scalar_keys(records)
    epoch_based = any('epoch' in r for r in records if 'iter' in r)
    selected = []
    for pattern in patterns:
        keys = fnmatch.filter(train_keys, pattern) + [
            k for k in fnmatch.filter(val_keys, pattern) if k not in train_keys
        ]
        if not keys:
            raise KeyError(
                f'{path}: no scalar matches {pattern!r}; training keys: '
                f'{train_keys}, validation keys: {val_keys}')
        selected.append(keys)
    flat = [k for keys in selected for k in keys]
    has_train = any(k in train_keys for k in flat)
    has_val = any(k not in train_keys for k in flat)
    # which conversions between iterations and epochs the axis needs
    need = (x == 'epoch' and
            (has_train or not epoch_based)) or (x == 'iter' and epoch_based
                                                and has_val)
    if need and not iters_per_epoch:
        raise ValueError(
            f'{path}: putting these curves on one {x!r} axis needs the '
            'iterations per epoch: pass iters_per_epoch (plot_curves.py '
            '--iters-per-epoch N; it is read from the run\'s "Epoch(train) '
            '[e][i/N]" log lines when the log is beside vis_data/), or plot '
            'training keys against "iter" and validation keys against '
            '"epoch" separately')
    groups = []
    for keys in selected:
        group = {}
        for key in keys:
            xs, ys = [], []
            for r in records:
                if key not in r:
                    continue
                if 'iter' in r:
                    pos = r['iter'] / (iters_per_epoch if x == 'epoch' else 1)
                elif epoch_based:
                    pos = r['step'] * (iters_per_epoch if x == 'iter' else 1)
                else:  # iteration-based validation
                    pos = r['step'] / (iters_per_epoch if x == 'epoch' else 1)
                xs.append(pos)
                ys.append(r[key])
            group[key] = (np.asarray(xs, float), np.asarray(ys, float))
        groups.append(group)
    return groups


def load_dataset_meta(config: Optional[str] = None,
                      checkpoint: Optional[str] = None) -> dict:
    """Class and AU names of a model: the ``dataset_meta`` its checkpoint
    holds (mmengine saves it under ``meta``), else the metainfo of the
    config's test dataset (built, without its pipeline).

    Returns:
        dict: with ``classes`` / ``au_names`` when known.
    """
    if checkpoint is not None:
        from mmfer.utils import safe_torch_load
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'{checkpoint}: no such checkpoint')
        meta = (safe_torch_load(checkpoint, map_location='cpu').get('meta')
                or {}).get('dataset_meta') or {}
        if meta:
            return dict(meta)
        if config is None:
            raise ValueError(f'{checkpoint}: holds no meta.dataset_meta; '
                             'pass the config or the names')
    if config is None:
        return {}
    from mmengine.config import Config

    from mmfer.registry import DATASETS
    from mmfer.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(config)
    dataset_cfg = dict(cfg.test_dataloader.dataset, pipeline=[])
    return dict(DATASETS.build(dataset_cfg).metainfo)


# ---------------------------------------------------------------- plotters


def _figure(width: float, height: float, dpi: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)  # Agg: no display, no pyplot state
    return fig


def _save(fig, out_file: str) -> str:
    import os
    d = osp.dirname(osp.abspath(out_file))
    os.makedirs(d, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out_file)
    return out_file


def row_percentages(cm: np.ndarray) -> np.ndarray:
    """Each row of a (K, K) confusion matrix as percentages of its
    ground-truth samples (0 for a class without samples)."""
    cm = np.asarray(cm, dtype=float)
    return cm / np.maximum(cm.sum(1, keepdims=True), 1) * 100


def plot_confusion_matrix(cm: np.ndarray,
                          classes: Optional[Sequence[str]],
                          out_file: str,
                          title: Optional[str] = None,
                          dpi: int = 100) -> str:
    """PNG of a confusion matrix: colour = row-normalised %, each cell
    ``count`` over ``%``; rows = ground truth (sample count in the label).

    Args:
        cm (np.ndarray): (K, K) counts.
        classes (Sequence[str], optional): K names; default ``0..K-1``.
        out_file (str): the PNG path.
        title (str, optional): e.g. the config name and UAR.

    Returns:
        str: ``out_file``.
    """
    cm = np.asarray(cm)
    k = cm.shape[0]
    classes = list(classes) if classes is not None else [
        str(i) for i in range(k)
    ]
    if cm.shape != (k, k) or len(classes) != k:
        raise ValueError(f'a ({len(classes)}, {len(classes)}) matrix for '
                         f'{len(classes)} classes, got {cm.shape}')
    support = cm.sum(1)
    pct = row_percentages(cm)
    fig = _figure(1.6 + 0.8 * k, 1.2 + 0.7 * k, dpi)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(pct, cmap='Blues', vmin=0, vmax=100)
    for i in range(k):
        for j in range(k):
            ax.text(j,
                    i,
                    f'{cm[i, j]}\n{pct[i, j]:.0f}%',
                    ha='center',
                    va='center',
                    fontsize=7,
                    color='white' if pct[i, j] > 50 else 'black')
    ax.set_xticks(range(k), classes, rotation=45, ha='right', fontsize=8)
    ax.set_yticks(range(k), [f'{c} ({n})' for c, n in zip(classes, support)],
                  fontsize=8)
    ax.set_xlabel('Predicted')
    ax.set_ylabel('Ground truth (samples)')
    recall = np.diag(cm) / np.maximum(support, 1)
    summary = (f'UAR {recall[support > 0].mean() * 100:.1f}  WAR '
               f'{np.trace(cm) / max(cm.sum(), 1) * 100:.1f}  '
               f'({int(cm.sum())} samples)')
    ax.set_title(f'{title}\n{summary}' if title else summary, fontsize=9)
    fig.colorbar(im,
                 ax=ax,
                 label='% of the ground-truth class',
                 fraction=0.046)
    return _save(fig, out_file)


def plot_au_f1(f1: Dict[str, float],
               out_file: str,
               title: Optional[str] = None,
               dpi: int = 100) -> str:
    """Bar chart of per-AU F1 (%) with the mean (over AUs with a value) as
    a dashed line; NaN AUs are labelled ``n/a``.

    Returns:
        str: ``out_file``.
    """
    names = [au_display_name(n) for n in f1]
    values = np.asarray(list(f1.values()), float)
    if not len(values):
        raise ValueError('no AU F1 values to plot')
    fig = _figure(1.5 + 0.45 * len(names), 3.2, dpi)
    ax = fig.add_subplot(1, 1, 1)
    xs = np.arange(len(names))
    ax.bar(xs, np.nan_to_num(values), color='tab:blue')
    for x, v in zip(xs, values):
        ax.text(x, (0 if np.isnan(v) else v) + 1,
                'n/a' if np.isnan(v) else f'{v:.0f}',
                ha='center',
                va='bottom',
                fontsize=7)
    label = 'mean'
    if not np.isnan(values).all():
        mean = float(np.nanmean(values))
        ax.axhline(mean, color='tab:red', ls='--', lw=1)
        label = f'mean F1 {mean:.1f}'
    ax.set_xticks(xs, names, rotation=45 if len(names) > 12 else 0, fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel('F1 (%)')
    ax.set_title(f'{title}\n{label}' if title else label, fontsize=9)
    return _save(fig, out_file)


def plot_curves(groups: Sequence[Dict[str, tuple]],
                out_file: str,
                x: str = 'iter',
                title: Optional[str] = None,
                columns: int = 3,
                dpi: int = 100) -> str:
    """One subplot per group of :func:`curve_data` (lines for training
    keys, lines with markers for validation points).

    Returns:
        str: ``out_file``.
    """
    n = len(groups)
    cols = min(columns, n)
    rows = -(-n // cols)
    fig = _figure(3.2 * cols, 2.4 * rows + (0.3 if title else 0), dpi)
    for i, group in enumerate(groups):
        ax = fig.add_subplot(rows, cols, i + 1)
        for key, (xs, ys) in group.items():
            few = len(xs) <= 30
            ax.plot(xs,
                    ys,
                    marker='o' if few else None,
                    ms=3,
                    lw=1.2,
                    label=key)
        if len(group) > 1:
            ax.legend(fontsize=6)
        else:
            ax.set_title(next(iter(group)), fontsize=9)
        if any(k == 'lr' or k.endswith('lr') for k in group):
            # tick labels like 2.0e-04 (an axis offset text would sit on
            # the subplot's title)
            from matplotlib.ticker import FormatStrFormatter
            ax.yaxis.set_major_formatter(FormatStrFormatter('%.1e'))
        ax.set_xlabel(x, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=9)
    return _save(fig, out_file)
