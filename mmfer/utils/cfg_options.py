"""Refuse ``--cfg-options`` that would change nothing but the dumped config.

An mmengine config substitutes its top-level variables where they are used
while the file is parsed::

    max_epochs = 12
    train_cfg = dict(max_epochs=max_epochs)   # holds 12 from now on

so ``--cfg-options max_epochs=1`` (or ``data_root=/elsewhere``) only
changes the top-level ``max_epochs``: training still runs 12 epochs, and
the config dumped into the work dir records ``max_epochs = 1``.
:func:`check_cfg_options` detects this before the options are merged.

A ``--cfg-options`` key ``K`` (or ``K.rest``) is refused when ``K`` is an
existing top-level key of the config that nothing reads at the top level
(not one of :data:`TOP_LEVEL_READERS`, the keys mmengine's Runner and
mmfer's tools read) and its value ``V`` was substituted into nested keys:

- a nested key with the same name ``K`` holds ``V``
  (``train_cfg.max_epochs``);
- a nested value equals ``V`` when ``V`` is a string of 3 or more
  characters, or a non-empty dict / list (``type=dataset_type``,
  ``pipeline=train_pipeline``);
- a nested string contains ``V`` when ``V`` is a string of 3 or more
  characters (``ann_file=data_root + '/train.txt'``).

A key ``K`` that is not in the config at all, not read at the top level,
but is the name of nested keys (``max_epochs`` where the config sets only
``train_cfg.max_epochs``) is refused too: it would add a key nothing reads.

The error names those nested keys and the ``--cfg-options`` to pass
instead (``train_cfg.max_epochs=1``). A number ``V`` found only under
other names (``param_scheduler.1.end=12``) may be a coincidence: that is a
warning naming them, not a refusal. Options that set every nested key
themselves are accepted. For a key the Runner reads at the top level
(``work_dir``, ``load_from``, ...) whose value was also copied into nested
keys, a warning names the copies.
"""
import warnings
from typing import Any, Dict, List, Mapping, Tuple

TOP_LEVEL_READERS = frozenset({
    # mmengine.runner.Runner.from_cfg
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'model_wrapper_cfg', 'vis_backends',
    # mmfer
    'allow_partial_checkpoint', 'fold_protocol', 'cross_dataset',
    'inference_face',
})
_MIN_STR_LEN = 3


class TopLevelOverrideError(ValueError):
    """A ``--cfg-options`` key whose value was already substituted."""


def _walk(node: Any, path: Tuple = ()):
    """Yield ``(path, value)`` for every nested value of a config."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield path + (str(key), ), value
            yield from _walk(value, path + (str(key), ))
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield path + (str(index), ), value
            yield from _walk(value, path + (str(index), ))


def _plain(value):
    """ConfigDict / tuple -> dict / list, for equality tests."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def find_substitutions(cfg, name: str) -> Tuple[List[str], List[str]]:
    """Nested keys that carry the value of the top-level key ``name``.

    Args:
        cfg (mmengine.Config): the parsed config.
        name (str): a top-level key.

    Returns:
        tuple[list[str], list[str]]: dotted paths that certainly carry the
        value (see the module docstring), and paths of equal numbers under
        other names (maybe a coincidence).
    """
    value = _plain(cfg[name])
    if value is None or (isinstance(value, (dict, list)) and not value):
        return [], []
    certain, maybe = [], []
    for key, nested in cfg._cfg_dict.items():
        if key == name:
            continue
        for path, item in _walk(nested, (key, )):
            dotted = '.'.join(path)
            item = _plain(item)
            if path[-1] == name and item == value and \
                    type(item) is type(value):
                certain.append(dotted)
            elif isinstance(value, str) and len(value) >= _MIN_STR_LEN:
                if isinstance(item, str) and value in item:
                    certain.append(dotted)
            elif isinstance(value, (dict, list)):
                if item == value:
                    certain.append(dotted)
            elif _is_number(value) and _is_number(item) and item == value \
                    and type(item) is type(value):
                maybe.append(dotted)
    return certain, maybe


def _covered(path: str, options: Mapping[str, Any], rest: str) -> bool:
    """Whether the options themselves set ``path`` (+ ``rest``)."""
    target = f'{path}.{rest}' if rest else path
    return any(target == k or target.startswith(f'{k}.') for k in options)


def _cli_value(value) -> str:
    """A value as ``--cfg-options`` (mmengine's ``DictAction``) parses it."""
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(_cli_value(v) for v in value) + ']'
    return str(value)


def _suggest(cfg, path: str, top: str, rest: str, new_value) -> str:
    """``key=value`` to pass for one nested path."""
    if rest:
        return f'{path}.{rest}={_cli_value(new_value)}'
    old = cfg[top]
    item = cfg
    for part in path.split('.'):
        item = item[int(part)] if isinstance(item, (list, tuple)) else \
            item[part]
    if isinstance(item, str) and isinstance(old, str) and \
            isinstance(new_value, str) and item != old:
        return f'{path}={item.replace(old, new_value)}'
    return f'{path}={_cli_value(new_value)}'


def _nested_leaves_named(cfg, name: str) -> List[str]:
    return ['.'.join(path) for key, node in cfg._cfg_dict.items()
            for path, _ in _walk(node, (key, )) if path[-1] == name]


def check_cfg_options(cfg, options: Dict[str, Any]) -> None:
    """Refuse options on top-level variables that were substituted.

    Args:
        cfg (mmengine.Config): the config, before ``merge_from_dict``.
        options (dict): the parsed ``--cfg-options`` (dotted keys).

    Raises:
        TopLevelOverrideError: naming the option, the nested keys that
            carry its old value and the ``--cfg-options`` to use instead.
    """
    if not options:
        return
    problems = []
    for key, new_value in options.items():
        top, _, rest = str(key).partition('.')
        if top not in cfg:
            named = [] if top in TOP_LEVEL_READERS or rest else [
                p for p in _nested_leaves_named(cfg, top)
                if not _covered(p, options, '')]
            if named:
                fix = ' '.join(f'{p}={_cli_value(new_value)}' for p in named)
                problems.append(
                    f'--cfg-options {key}={_cli_value(new_value)}: the '
                    f'config has no top-level {top!r}, so this adds a key '
                    'that nothing reads (and that the dumped config would '
                    f'record). The config sets it at {", ".join(named)}. '
                    f'Pass instead: --cfg-options {fix}')
            continue
        certain, maybe = find_substitutions(cfg, top)
        certain = [p for p in certain if not _covered(p, options, rest)]
        maybe = [p for p in maybe if not _covered(p, options, rest)]
        if top in TOP_LEVEL_READERS:
            if certain:
                warnings.warn(
                    f'--cfg-options {key}: the config also copied the value '
                    f'of {top} into {", ".join(certain)}, which keep the '
                    'old value; set them too if they should change.')
            continue
        if certain:
            fix = ' '.join(_suggest(cfg, p, top, rest, new_value)
                           for p in certain)
            also = (f' ({", ".join(maybe)} also hold {cfg[top]!r}: set '
                    'them too if they came from it)' if maybe else '')
            now = '' if rest else f' (now {cfg[top]!r})'
            problems.append(
                f'--cfg-options {key}={_cli_value(new_value)} changes only '
                f'the top-level variable {top!r}{now}, whose value the '
                f'config already substituted into {", ".join(certain)} '
                'when it was parsed: the run would use the old value, and '
                f'the dumped config would record the new one. Pass instead: '
                f'--cfg-options {fix}{also}')
        elif maybe:
            warnings.warn(
                f'--cfg-options {key}: {top} is a top-level variable; its '
                f'old value {cfg[top]!r} also appears at {", ".join(maybe)}. '
                'If those came from it, set them directly: overriding the '
                'top-level variable does not change them.')
    if problems:
        raise TopLevelOverrideError('\n'.join(problems))

