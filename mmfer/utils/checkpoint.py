"""Checkpoint saving and loading that never runs code from a file.

``torch.load(..., weights_only=False)`` unpickles arbitrary objects, and a
pickle can execute any code while it loads. mmfer therefore loads every
file with ``weights_only=True``. mmengine writes ``HistoryBuffer`` objects
and numpy arrays/scalars into its checkpoints, whose pickles reference
``builtins.getattr`` and so cannot be allow-listed safely; instead mmfer
*writes* checkpoints in a plain form (:func:`encode_checkpoint`: tensors,
numbers, strings, lists and dicts only) and restores the objects on load
(:func:`decode_checkpoint`). So mmfer's own checkpoints (``resume``,
``load_from``, ``init_cfg``) load with ``weights_only=True``, and
pretrained weights and converter inputs load as plain state dicts.

A 0-byte or truncated file (a run killed while saving, an interrupted
copy) is refused with :class:`CorruptCheckpointError`, which names the file,
its size and the fix, instead of torch's zip / EOF errors.

A file that needs anything else (for example a checkpoint pickled by
another framework with custom classes) is refused with
:class:`UntrustedCheckpointError`. Opt in to full-pickle loading only for
files whose origin you trust, in one of these documented ways:

- ``tools/train.py ... --trust-checkpoint`` / ``tools/test.py ...
  --trust-checkpoint``;
- the environment variable ``MMFER_TRUST_CHECKPOINTS=1`` (all files) or
  ``MMFER_TRUST_CHECKPOINTS=/path/a.pth:/path/b.pth`` (listed files);
- :func:`trust_checkpoints` in Python.
"""
import os
import os.path as osp
import pickle
import zipfile
from contextlib import contextmanager
from typing import Iterable, Optional, Union

import numpy as np
import torch

TRUST_ENV_VAR = 'MMFER_TRUST_CHECKPOINTS'
_TRUSTED_PATHS = set()
_TRUST_ALL = False


class UntrustedCheckpointError(pickle.UnpicklingError):
    """Raised when a file needs full unpickling and is not trusted."""


class CorruptCheckpointError(RuntimeError):
    """Raised for a 0-byte, truncated or otherwise unreadable file."""

    def __init__(self, filename: str, reason: str):
        self.filename = filename
        size = osp.getsize(filename) if osp.exists(filename) else 0
        super().__init__(
            f'Checkpoint "{filename}" is incomplete or corrupt ({size} '
            f'bytes; {reason}), so it cannot be loaded. The run that wrote '
            'it was probably killed while saving, or a copy / download was '
            'interrupted. Copy or download the file again, or use another '
            'checkpoint (e.g. the previous epoch_*.pth / iter_*.pth of the '
            'work dir; tools/train.py --resume without a path falls back '
            'to it by itself).')


def _corruption(filename: str, err: BaseException) -> Optional[str]:
    """Why ``filename`` is unreadable, or None if the file looks intact
    (``err`` then has another cause)."""
    if osp.getsize(filename) == 0:
        return 'the file is empty'
    if isinstance(err, pickle.UnpicklingError) and 'truncated' in str(err):
        return 'the pickle data is truncated'
    if not zipfile.is_zipfile(filename):
        with open(filename, 'rb') as f:
            magic = f.read(4)
        if magic.startswith(b'PK'):  # a zip checkpoint missing its end
            return 'the zip archive has no central directory: truncated'
        if isinstance(err, EOFError):
            return 'the data ends early'
        return None  # a legacy (non-zip) torch file: not judged here
    try:
        with zipfile.ZipFile(filename) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as zip_err:
        return f'the zip archive is damaged: {zip_err}'
    return None if bad is None else f'damaged member {bad} in the archive'


def check_checkpoint_file(filename: str) -> None:
    """Cheap checks before a long setup: the file exists, is not empty and,
    if it is a zip checkpoint, still has its end (central directory).

    Raises:
        FileNotFoundError: no such file.
        CorruptCheckpointError: 0 bytes or a truncated zip checkpoint.
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file not found: {filename}')
    if osp.getsize(filename) == 0:
        raise CorruptCheckpointError(filename, 'the file is empty')
    with open(filename, 'rb') as f:
        is_zip_start = f.read(2) == b'PK'
    if is_zip_start and not zipfile.is_zipfile(filename):
        raise CorruptCheckpointError(
            filename, 'the zip archive has no central directory: truncated')


_TYPE_KEY = '__mmfer_type__'


def encode_checkpoint(obj):
    """Replace numpy and ``HistoryBuffer`` objects by plain containers.

    Args:
        obj: a checkpoint (nested dicts/lists/tuples of anything).

    Returns:
        The same structure holding only tensors, python scalars, strings,
        lists, tuples and dicts; tagged dicts mark what to restore.
    """
    from mmengine.logging import HistoryBuffer
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {_TYPE_KEY: 'HistoryBuffer',
                'log_history': encode_checkpoint(log),
                'count_history': encode_checkpoint(count),
                'max_length': obj.max_length}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return {_TYPE_KEY: 'object_ndarray',
                    'data': [encode_checkpoint(x) for x in obj.tolist()]}
        return {_TYPE_KEY: 'ndarray', 'data': torch.from_numpy(
            np.ascontiguousarray(obj)).clone()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        encoded = {k: encode_checkpoint(v) for k, v in obj.items()}
        return type(obj)(encoded) if type(obj) is not dict and \
            type(obj).__module__ == 'collections' else encoded
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(encode_checkpoint(v) for v in obj)
    return obj


def decode_checkpoint(obj):
    """Inverse of :func:`encode_checkpoint`."""
    if isinstance(obj, dict):
        tag = obj.get(_TYPE_KEY)
        if tag == 'HistoryBuffer':
            from mmengine.logging import HistoryBuffer
            return HistoryBuffer(
                decode_checkpoint(obj['log_history']).tolist(),
                decode_checkpoint(obj['count_history']).tolist(),
                obj['max_length'])
        if tag == 'ndarray':
            return obj['data'].numpy()
        if tag == 'object_ndarray':
            return np.array([decode_checkpoint(x) for x in obj['data']],
                            dtype=object)
        decoded = {k: decode_checkpoint(v) for k, v in obj.items()}
        return type(obj)(decoded) if type(obj) is not dict else decoded
    if isinstance(obj, list):
        return [decode_checkpoint(v) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, '_fields'):
        return tuple(decode_checkpoint(v) for v in obj)
    return obj


def _numpy_safe_globals():
    """numpy objects that ``np.save``-like pickling of arrays references."""
    names = []
    # numpy 2 moved ``numpy.core`` to ``numpy._core``; pickles written by
    # either name the module they were written with.
    for modname in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            mod = __import__(modname, fromlist=['_reconstruct'])
        except ImportError:
            continue
        names += [(mod._reconstruct, f'{modname}._reconstruct'),
                  (mod.scalar, f'{modname}.scalar')]
    names.append(np.ndarray)
    names.append(np.dtype)
    # Concrete dtype classes (numpy >= 1.25), e.g. numpy.dtypes.Float64DType.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        names += [getattr(dtypes, n) for n in dir(dtypes) if
                  n.endswith('DType') and isinstance(getattr(dtypes, n), type)]
    return names


def _plain_object_safe_globals():
    """Plain attribute holders found in published research checkpoints
    (e.g. the ``args`` entry of MAE / AudioMAE checkpoints)."""
    import argparse
    return [argparse.Namespace]


def safe_globals():
    """The allow-list of non-tensor globals accepted in a checkpoint.

    Returns:
        list: entries for :func:`torch.serialization.safe_globals`.
    """
    return _numpy_safe_globals() + _plain_object_safe_globals()


def _env_trusted(filename: str) -> bool:
    value = os.environ.get(TRUST_ENV_VAR, '').strip()
    if not value or value.lower() in ('0', 'false', 'no'):
        return False
    if value.lower() in ('1', 'true', 'yes', 'all'):
        return True
    listed = {osp.realpath(p) for p in value.split(os.pathsep) if p}
    return osp.realpath(filename) in listed


def is_trusted(filename: str) -> bool:
    """Whether the user opted in to full-pickle loading of ``filename``."""
    return (_TRUST_ALL or osp.realpath(filename) in _TRUSTED_PATHS
            or _env_trusted(filename))


@contextmanager
def trust_checkpoints(paths: Optional[Union[str, Iterable[str]]] = None):
    """Allow full-pickle loading inside the ``with`` block.

    Args:
        paths (str | list[str], optional): the files to trust. ``None``
            trusts every file loaded inside the block.
    """
    global _TRUST_ALL
    old_all, old_paths = _TRUST_ALL, set(_TRUSTED_PATHS)
    if paths is None:
        _TRUST_ALL = True
    else:
        paths = [paths] if isinstance(paths, str) else paths
        _TRUSTED_PATHS.update(osp.realpath(p) for p in paths)
    try:
        yield
    finally:
        _TRUST_ALL = old_all
        _TRUSTED_PATHS.clear()
        _TRUSTED_PATHS.update(old_paths)


def set_trust_all(flag: bool) -> None:
    """Trust every checkpoint for the rest of the process (CLI flag)."""
    global _TRUST_ALL
    _TRUST_ALL = bool(flag)


def safe_torch_load(filename, map_location=None,
                    opt_in_hint: Optional[str] = None):
    """``torch.load`` with ``weights_only=True`` and mmfer's allow-list.

    Args:
        filename (str): path of the file.
        map_location: as in :func:`torch.load`.
        opt_in_hint (str, optional): how the calling tool opts in to
            trusting the file, for the refusal message (e.g. a converter's
            ``rerun with --trust: ...``); default: ``--trust-checkpoint``
            of tools/train.py and tools/test.py, or the environment
            variable.

    Returns:
        The loaded object (a state dict or an mmengine checkpoint dict).

    Raises:
        FileNotFoundError: if the file does not exist.
        UntrustedCheckpointError: if the file needs objects outside the
            allow-list and the user has not opted in to trusting it.
        CorruptCheckpointError: a 0-byte, truncated or damaged file.
    """
    filename = osp.expanduser(str(filename))
    check_checkpoint_file(filename)
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except (EOFError, OSError, RuntimeError, zipfile.BadZipFile,
            pickle.UnpicklingError) as err:
        reason = _corruption(filename, err)
        if reason is not None:
            raise CorruptCheckpointError(filename, reason) from err
        if not isinstance(err, pickle.UnpicklingError):
            raise
        if is_trusted(filename):
            return torch.load(
                filename, map_location=map_location, weights_only=False)
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
        except Exception:  # not a zip checkpoint: cannot list them
            unsafe = []
        extra = [g for g in unsafe if not g.startswith(('numpy', 'mmengine'))]
        listed = ', '.join(extra or unsafe) or 'unknown objects'
        raise UntrustedCheckpointError(
            f'Refusing to unpickle "{filename}": besides tensors it contains '
            f'{listed}, and loading those would run code from the file. '
            'mmfer loads pretrained weights and other files it did not '
            'write as plain state dicts. Convert the file to a state dict '
            '(see tools/model_converters/), or, only if you trust where it '
            'came from, ' + (opt_in_hint or (
                'opt in with --trust-checkpoint (tools/train.py, '
                f'tools/test.py) or {TRUST_ENV_VAR}={filename}')) + '.'
        ) from err


def load_from_local_safely(filename, map_location=None):
    """mmengine ``CheckpointLoader`` scheme for local paths (see compat)."""
    return decode_checkpoint(
        safe_torch_load(filename, map_location=map_location))


def save_checkpoint_safely(checkpoint, filename, *args, **kwargs):
    """mmengine ``save_checkpoint`` writing the plain form (see compat)."""
    from mmengine.runner.checkpoint import save_checkpoint
    return save_checkpoint(encode_checkpoint(checkpoint), filename, *args,
                           **kwargs)
