"""Cross-database evaluation: the ``cross_dataset`` config key and tables.

EMPD ("Expression-aware Masking and Progressive Decoupling for
Cross-database FER", Sec. IV-B, Tables I and III) trains on one source
database (or several) and reports the accuracy on every other database
and their average. A config declares its targets::

    cross_dataset = dict(
        # name -> test dataset config; a target without ``pipeline`` gets
        # the config's test pipeline (test_dataloader.dataset.pipeline)
        targets=dict(
            sfew=dict(type='SFEWDataset', data_root='data/sfew',
                      split='val'),
            jaffe=dict(type='JAFFEDataset', data_root='data/jaffe')),
        metric='expr/WAR',      # the key of runner.test() shown in cells
        order=['sfew', 'jaffe'],  # column order (default: as in targets)
        label_space=None,       # set on every target lacking one, e.g.
                                # 'rafdb' to score in the source's classes
        checkpoint='last',      # 'last' or 'best' (needs save_best)
        name=None,              # row label (default: the config name)
        source=None)            # source label (default: from the train
                                # dataset's domain / type)

``tools/misc/run_cross_dataset.py`` trains each config once, evaluates it
on every target with the config's ``test_dataloader`` /
``test_evaluator`` / ``test_cfg`` (the target's dataset swapped in) and
writes the table built here: one row per config, one column per target
and ``Avg`` (the mean over the targets).
"""
import copy
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

CHECKPOINTS = ('last', 'best')
SPEC_KEYS = ('targets', 'metric', 'order', 'label_space', 'checkpoint',
             'name', 'source')


class CrossDatasetSpec:
    """The validated ``cross_dataset`` entry of one config.

    Args:
        cfg (mmengine.Config): the config (reads ``cross_dataset`` and,
            for the defaults, ``train_dataloader``).
        config_path (str): its file, for messages and the default name.

    Attributes:
        targets (dict): target name -> dataset config, in column order.
        metric (str), checkpoint (str), name (str), source (str),
        label_space (str | list | None): see the module docstring.
    """

    def __init__(self, cfg, config_path: str):
        where = f'{config_path}: cross_dataset'
        spec = cfg.get('cross_dataset')
        if not spec:
            raise KeyError(
                f'{config_path} has no cross_dataset=dict(targets=dict('
                "<name>=<test dataset cfg>, ...), metric='expr/WAR') "
                'entry; see docs/datasets/cross_dataset.md.')
        unknown = sorted(set(spec) - set(SPEC_KEYS))
        if unknown:
            raise KeyError(f'{where}: unknown keys {unknown}; valid: '
                           f'{list(SPEC_KEYS)}.')
        targets = spec.get('targets')
        if not isinstance(targets, dict) or not targets:
            raise ValueError(f'{where}.targets must be a non-empty dict '
                             'name -> test dataset config.')
        for t, ds in targets.items():
            if not isinstance(ds, dict) or 'type' not in ds:
                raise ValueError(
                    f'{where}.targets.{t} must be a dataset config with '
                    f"'type', e.g. dict(type='SFEWDataset', data_root=...), "
                    f'got {ds!r}.')
        order = list(spec.get('order') or targets)
        bad = [t for t in order if t not in targets]
        if bad or len(set(order)) != len(order):
            raise ValueError(
                f'{where}.order {order} must list distinct names of '
                f'targets {list(targets)} (unknown: {bad}).')
        self.targets = {t: copy.deepcopy(targets[t]) for t in order}
        self.metric = spec.get('metric')
        if not isinstance(self.metric, str) or not self.metric:
            raise ValueError(
                f"{where}.metric must name a metric key of runner.test(), "
                "e.g. 'expr/WAR' (ExpressionMetric) or 'accuracy/top1' "
                '(mmpretrain.Accuracy).')
        self.checkpoint = spec.get('checkpoint', 'last')
        if self.checkpoint not in CHECKPOINTS:
            raise ValueError(f'{where}.checkpoint must be one of '
                             f'{CHECKPOINTS}, got {self.checkpoint!r}.')
        self.label_space = spec.get('label_space')
        self.name = spec.get('name') or osp.splitext(
            osp.basename(config_path))[0]
        self.source = spec.get('source') or source_name(cfg)

    def dataset_cfg(self, cfg, target: str) -> dict:
        """The test dataset config of ``target`` (pipeline and label space
        filled in from the config / spec when the target has none)."""
        ds = copy.deepcopy(self.targets[target])
        test_ds = (cfg.get('test_dataloader') or {}).get('dataset') or {}
        if 'pipeline' not in ds and 'pipeline' in test_ds:
            ds['pipeline'] = copy.deepcopy(test_ds['pipeline'])
        if self.label_space is not None:
            ds.setdefault('label_space', copy.deepcopy(self.label_space))
        return ds

    def to_dict(self) -> dict:
        return dict(name=self.name, source=self.source, metric=self.metric,
                    checkpoint=self.checkpoint, targets=list(self.targets))


def source_name(cfg) -> str:
    """A label of the training data: the train dataset's ``domain`` or
    type (ConcatDataset: the sources joined by ``+``)."""
    ds = (cfg.get('train_dataloader') or {}).get('dataset') or {}

    def one(d):
        if d.get('datasets'):
            return '+'.join(one(x) for x in d['datasets'])
        if d.get('dataset'):  # RepeatDataset / ClassBalancedDataset
            return one(d['dataset'])
        return str(d.get('domain') or d.get('type', '?')).replace(
            'Dataset', '')

    return one(ds) if ds else '?'


def metric_value(metrics: dict, key: str, where: str) -> float:
    """``metrics[key]`` as a float, or an error listing the keys."""
    if key not in (metrics or {}):
        raise KeyError(
            f'{where}: metric {key!r} is not among the test metrics '
            f'{sorted(metrics or {})}. Set cross_dataset.metric to one of '
            'them (or add the metric to test_evaluator).')
    value = metrics[key]
    if hasattr(value, 'item'):
        value = value.item()
    return float(value)


def mean_over_targets(values: Dict[str, float]) -> float:
    """The ``Avg`` column: the mean over the targets (NaN if any target
    has no finite value, so an incomplete row is not averaged)."""
    vals = np.asarray(list(values.values()), float)
    if vals.size == 0 or not np.isfinite(vals).all():
        return float('nan')
    return float(vals.mean())


def _fmt(v: Optional[float]) -> str:
    return '-' if v is None or not math.isfinite(v) else f'{v:.2f}'


def format_cross_dataset_table(rows: Sequence[dict]) -> str:
    """Markdown table in the style of EMPD Tables I / III.

    Args:
        rows (Sequence[dict]): one per config, each with ``name``,
            ``source``, ``targets`` (list of column names, in order) and
            ``results`` (target -> value).

    Returns:
        str: ``| Source | Method | <target> ... | Avg |`` blocks; consecutive
        rows with the same target columns share one header (Table I has a
        block per source database, each with its own targets).
    """
    lines: List[str] = []
    columns = None
    for row in rows:
        if row['targets'] != columns:
            columns = row['targets']
            if lines:
                lines.append('')
            lines.append('| Source | Method | ' + ' | '.join(columns) +
                         ' | Avg |')
            lines.append('|' + '---|' * (len(columns) + 3))
        res = row['results']
        cells = [_fmt(res.get(t)) for t in columns]
        avg = mean_over_targets({t: res.get(t, float('nan'))
                                 for t in columns})
        lines.append(f"| {row['source']} | {row['name']} | " +
                     ' | '.join(cells) + f' | {_fmt(avg)} |')
    return '\n'.join(lines)
