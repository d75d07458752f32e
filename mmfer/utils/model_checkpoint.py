"""Load a checkpoint into a model, refusing one written for another model.

mmengine's ``load_checkpoint`` loads with ``strict=False`` and only prints
the key mismatch, so the checkpoint of another model (an MMA-DFER file
into the ResNet quickstart) leaves the model at its random initialisation
and the run goes on: training from scratch, or testing a random model.
:func:`load_model_checkpoint` (and the Runner's ``load_from`` / ``resume``,
routed here by :mod:`mmfer.utils.compat`) instead

1. loads the file through mmfer's safe loader (``weights_only=True``,
   :mod:`mmfer.utils.checkpoint`);
2. compares the model's state dict with the checkpoint's, key by key and
   shape by shape;
3. logs the mismatch (counts and the first names of the missing,
   unexpected and mis-shaped keys) through the mmengine logger, so it lands
   in the work dir's log file;
4. raises :class:`CheckpointMismatchError` when fewer than
   :data:`MIN_MATCHED_FRACTION` (50 %) of the model's state-dict tensors are
   in the checkpoint with the same shape (``num_batches_tracked`` counters
   are not counted), unless partial loading was asked for explicitly.

Mis-shaped tensors are never loaded: they keep the model's values and are
named in a warning (a module's load-state-dict pre-hook that resizes a
tensor, e.g. a ViT position embedding, still runs before that check).

Partial loading (only the matching tensors, e.g. a backbone out of a
pre-training checkpoint) is an explicit opt-in:

- ``load_model_checkpoint(..., allow_partial=True)`` in Python;
- ``allow_partial_checkpoint = True`` in the config (read by the Runner's
  ``load_from`` / ``resume``);
- ``--allow-partial-checkpoint`` of ``tools/train.py`` and
  ``tools/test.py`` (sets that config key).

Pre-trained weights loaded by a backbone's ``init_cfg=dict(type=
'Pretrained', ...)`` do not go through this check: they are partial by
design.
"""
import logging
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn

MIN_MATCHED_FRACTION = 0.5
PARTIAL_CFG_KEY = 'allow_partial_checkpoint'
PARTIAL_CLI_FLAG = '--allow-partial-checkpoint'
DEFAULT_REVISE_KEYS = ((r'^module\.', ''), )
_NAMES_SHOWN = 5


class CheckpointMismatchError(ValueError):
    """A checkpoint whose tensors do not fit the model it is loaded into."""


class CheckpointMatch:
    """How a checkpoint's state dict fits a model's.

    Args:
        model_state (Mapping[str, Tensor]): the model's ``state_dict()``.
        ckpt_state (Mapping[str, Tensor]): the checkpoint's state dict
            (keys already revised).

    Attributes:
        matched (list[str]): model keys present with the same shape.
        missing (list[str]): model keys absent from the checkpoint.
        unexpected (list[str]): checkpoint keys the model does not have.
        mis_shaped (list[tuple]): ``(key, checkpoint shape, model shape)``.
        num_model_keys (int): the model's tensors counted (without
            ``num_batches_tracked``).
    """

    def __init__(self, model_state: Mapping, ckpt_state: Mapping):
        counted = [k for k in model_state if not _is_counter(k)]
        self.num_model_keys = len(counted)
        self.matched, self.missing, self.mis_shaped = [], [], []
        for key in counted:
            if key not in ckpt_state:
                self.missing.append(key)
                continue
            model_shape = tuple(getattr(model_state[key], 'shape', ()))
            ckpt_shape = getattr(ckpt_state[key], 'shape', None)
            if ckpt_shape is not None and tuple(ckpt_shape) == model_shape:
                self.matched.append(key)
            else:
                self.mis_shaped.append(
                    (key, None if ckpt_shape is None else tuple(ckpt_shape),
                     model_shape))
        self.unexpected = [k for k in ckpt_state if k not in model_state]

    @property
    def fraction(self) -> float:
        """Matched tensors over the model's tensors (1.0 for no tensors)."""
        if self.num_model_keys == 0:
            return 1.0
        return len(self.matched) / self.num_model_keys

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unexpected or self.mis_shaped)

    def summary(self) -> str:
        """Counts and the first names of each kind of mismatch."""
        parts = [f'{len(self.matched)}/{self.num_model_keys} '
                 f'({self.fraction:.1%}) of the model\'s state-dict tensors '
                 'are in the checkpoint with the same shape']
        if self.missing:
            parts.append(f'missing from the checkpoint: {len(self.missing)} '
                         f'(e.g. {_first(self.missing)})')
        if self.mis_shaped:
            shown = ', '.join(f'{k}: checkpoint {_shape(c)} vs model '
                              f'{_shape(m)}' for k, c, m in
                              self.mis_shaped[:_NAMES_SHOWN])
            more = '' if len(self.mis_shaped) <= _NAMES_SHOWN else ', ...'
            parts.append(f'mis-shaped (not loaded): {len(self.mis_shaped)} '
                         f'(e.g. {shown}{more})')
        if self.unexpected:
            parts.append(f'unexpected (not in the model): '
                         f'{len(self.unexpected)} '
                         f'(e.g. {_first(self.unexpected)})')
        return '; '.join(parts)


def _is_counter(key: str) -> bool:
    return key.endswith('num_batches_tracked')


def _first(keys: Sequence[str]) -> str:
    more = '' if len(keys) <= _NAMES_SHOWN else ', ...'
    return ', '.join(keys[:_NAMES_SHOWN]) + more


def _shape(shape) -> str:
    return 'a non-tensor' if shape is None else str(tuple(shape))


def _get_logger(logger):
    if logger is not None:
        return logger
    from mmengine.logging import MMLogger
    return MMLogger.get_current_instance()


def _unwrap(model: nn.Module) -> nn.Module:
    from mmengine.model import BaseTTAModel, is_model_wrapper
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def extract_state_dict(checkpoint: Mapping,
                       revise_keys=DEFAULT_REVISE_KEYS) -> 'OrderedDict':
    """The state dict of an mmengine checkpoint (or a bare state dict).

    Args:
        checkpoint (Mapping): ``torch.load`` output.
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)``
            regular expressions applied to every key (as mmengine's
            ``revise_keys``); default strips a DDP ``module.`` prefix.

    Returns:
        OrderedDict: key -> tensor, with the checkpoint's ``_metadata``.
    """
    if not isinstance(checkpoint, Mapping):
        raise CheckpointMismatchError(
            f'expected a checkpoint dict, got a {type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    metadata = getattr(state, '_metadata', OrderedDict())
    for pattern, repl in revise_keys:
        state = OrderedDict(
            (re.sub(pattern, repl, k), v) for k, v in state.items())
    state = OrderedDict(state)
    state._metadata = metadata
    return state


def _load_matching(model: nn.Module, state: 'OrderedDict'
                   ) -> Tuple[List[str], List[str], List[str]]:
    """Copy ``state`` into ``model`` the way ``nn.Module.load_state_dict``
    does (load pre-/post-hooks run), keeping going past mis-shaped tensors.

    Returns:
        tuple: missing keys, unexpected keys, error messages (one per
        tensor not copied, e.g. a size mismatch).
    """
    missing, unexpected, errors = [], [], []
    metadata = getattr(state, '_metadata', None)

    def load(module, local_state, prefix=''):
        local_meta = {} if metadata is None else metadata.get(prefix[:-1], {})
        module._load_from_state_dict(local_state, prefix, local_meta, True,
                                     missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = f'{prefix}{name}.'
                load(child, {k: v for k, v in local_state.items()
                             if k.startswith(child_prefix)}, child_prefix)
        incompatible = torch.nn.modules.module._IncompatibleKeys(
            missing, unexpected)
        for hook in getattr(module, '_load_state_dict_post_hooks',
                            {}).values():
            hook(module, incompatible)

    with torch.no_grad():
        load(model, state)
    return [k for k in missing if not _is_counter(k)], unexpected, errors


def load_state_dict_checked(model: nn.Module,
                            checkpoint: Mapping,
                            filename: str,
                            allow_partial: bool = False,
                            strict: bool = False,
                            logger: Optional[logging.Logger] = None,
                            revise_keys=DEFAULT_REVISE_KEYS
                            ) -> CheckpointMatch:
    """Check ``checkpoint`` against ``model`` and load what fits.

    Args:
        model (nn.Module): the model (a DDP / TTA wrapper is unwrapped).
        checkpoint (Mapping): a loaded checkpoint dict or state dict.
        filename (str): where it came from (for the messages).
        allow_partial (bool): load the matching tensors even when fewer
            than :data:`MIN_MATCHED_FRACTION` of the model's match.
        strict (bool): refuse any mismatch at all (mmengine's ``strict``).
        logger (logging.Logger, optional): defaults to the current
            ``MMLogger`` (the Runner's, whose file is in the work dir).
        revise_keys: see :func:`extract_state_dict`.

    Returns:
        CheckpointMatch: the comparison made before loading.

    Raises:
        CheckpointMismatchError: too few tensors match (see the module
            docstring), or ``strict`` and any mismatch.
    """
    logger = _get_logger(logger)
    model = _unwrap(model)
    state = extract_state_dict(checkpoint, revise_keys)
    match = CheckpointMatch(model.state_dict(), state)
    too_few = match.fraction < MIN_MATCHED_FRACTION
    if (too_few and not allow_partial) or (strict and not match.exact):
        why = (f'fewer than {MIN_MATCHED_FRACTION:.0%} match' if too_few
               else 'strict loading asks for an exact match')
        message = (
            f'Checkpoint "{filename}" does not fit the model '
            f'{type(model).__name__} ({why}): {match.summary()}. It is '
            'probably the checkpoint of another model or config. Use the '
            'checkpoint this config wrote (its work_dir/epoch_*.pth), or, '
            'to load only the matching tensors on purpose, opt in with '
            f'{PARTIAL_CLI_FLAG} (tools/train.py, tools/test.py), '
            f'{PARTIAL_CFG_KEY} = True in the config, or '
            'load_model_checkpoint(..., allow_partial=True).')
        logger.error(message)
        raise CheckpointMismatchError(message)

    missing, unexpected, errors = _load_matching(model, state)
    if match.exact and not (missing or unexpected or errors):
        logger.info(f'Loaded checkpoint "{filename}": all '
                    f'{match.num_model_keys} state-dict tensors of '
                    f'{type(model).__name__} matched.')
    else:
        opted = ' (partial load allowed)' if too_few else ''
        logger.warning(f'Checkpoint "{filename}" loaded partially{opted}: '
                       f'{match.summary()}. The tensors not loaded keep '
                       'the model\'s own initialisation.')
        reported = [k for k, _, _ in match.mis_shaped]
        other = [e for e in errors if not any(
            f'for {k}:' in e for k in reported)]
        if other:  # e.g. raised by a module's load hook
            logger.warning('Not copied: ' + ' | '.join(
                e.strip() for e in other[:_NAMES_SHOWN]))
    return match


def load_model_checkpoint(model: nn.Module,
                          filename: str,
                          map_location='cpu',
                          allow_partial: bool = False,
                          logger: Optional[logging.Logger] = None,
                          revise_keys=DEFAULT_REVISE_KEYS) -> Dict:
    """Load ``filename`` into ``model``; refuse another model's checkpoint.

    Args:
        model (nn.Module): the model to load into (in place).
        filename (str): a local path (loaded with ``weights_only=True``
            by :func:`mmfer.utils.checkpoint.safe_torch_load`) or any URL
            mmengine's ``CheckpointLoader`` knows.
        map_location: as in :func:`torch.load`. Defaults to ``'cpu'``.
        allow_partial (bool): load only the matching tensors even when
            fewer than half the model's match. Defaults to False.
        logger (logging.Logger, optional): defaults to the current
            ``MMLogger`` instance.
        revise_keys: ``(pattern, replacement)`` pairs applied to the
            checkpoint's keys; default strips ``module.``.

    Returns:
        dict: the loaded checkpoint (``state_dict``, ``meta``, ...).

    Raises:
        CheckpointMismatchError: fewer than :data:`MIN_MATCHED_FRACTION` of
            the model's state-dict tensors match and ``allow_partial`` is
            False.
        CorruptCheckpointError: a 0-byte or truncated file.
        UntrustedCheckpointError: the file needs full unpickling.

    Example:
        >>> import logging, tempfile, os.path as osp
        >>> import torch
        >>> src, dst = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)
        >>> path = osp.join(tempfile.mkdtemp(), 'linear.pth')
        >>> torch.save({'state_dict': src.state_dict()}, path)
        >>> _ = load_model_checkpoint(dst, path, logger=logging.getLogger('x'))
        >>> bool(torch.equal(dst.weight, src.weight))
        True
    """
    checkpoint = load_checkpoint_file(filename, map_location)
    load_state_dict_checked(model, checkpoint, filename,
                            allow_partial=allow_partial, logger=logger,
                            revise_keys=revise_keys)
    return checkpoint


def load_checkpoint_file(filename: str, map_location='cpu') -> Dict:
    """Read a checkpoint file through mmfer's safe loader."""
    if '://' not in str(filename):
        from .checkpoint import load_from_local_safely
        return load_from_local_safely(filename, map_location=map_location)
    from .compat import apply_stack_patches
    apply_stack_patches()  # mmengine's loaders for URLs, mmfer's for files
    from mmengine.runner.checkpoint import CheckpointLoader
    return CheckpointLoader.load_checkpoint(filename, map_location)


def runner_load_checkpoint(runner,
                           filename: str,
                           map_location='cpu',
                           strict: bool = False,
                           revise_keys=DEFAULT_REVISE_KEYS):
    """``Runner.load_checkpoint`` with the fit check (see compat).

    Same contract as mmengine 0.10.7's: ``after_load_checkpoint`` hooks see
    (and may edit) the checkpoint before it is loaded into the model; the
    config key ``allow_partial_checkpoint`` opts in to partial loading.
    """
    checkpoint = load_checkpoint_file(filename, map_location)
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    allow_partial = bool(runner.cfg.get(PARTIAL_CFG_KEY, False))
    load_state_dict_checked(runner.model, checkpoint, filename,
                            allow_partial=allow_partial, strict=strict,
                            logger=runner.logger, revise_keys=revise_keys)
    runner._has_loaded = True
    runner.logger.info(f'Load checkpoint from {filename}')
    return checkpoint
