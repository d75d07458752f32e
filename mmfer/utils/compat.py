"""Workarounds for the known breakages of mmfer's pinned stack.

Every patch mmfer applies to a third-party package lives in this file, so
there is one place to read (and to delete when upstream is fixed). Each is
described with the error it avoids; ``../shared/STACK.md`` has the
measurements behind them.

1. ``import mmaction.models`` fails on the mmaction2 1.2.0 wheel with
   ``No module named 'mmaction.models.localizers.drn'`` (the ``drn/``
   folder ships without ``__init__.py``; upstream issue #2714). Any
   ``type='mmaction.X'`` build imports ``mmaction.models`` through the
   registry's ``locations``. :func:`patch_mmaction_drn` puts empty stub
   modules for that sub-package into ``sys.modules`` when its source is
   absent; mmfer itself never needs ``mmaction.models`` and only uses
   ``mmaction.datasets``, ``mmaction.evaluation`` and
   ``mmaction.structures``.
2. torch >= 2.6 loads with ``weights_only=True`` by default, but mmengine
   0.10.7 checkpoints hold ``HistoryBuffer`` objects and numpy arrays, so
   ``resume`` and ``load_from`` fail with ``UnpicklingError: Weights only
   load failed``. :func:`patch_checkpoint_loading` makes the Runner write
   checkpoints in a plain form (``mmengine.runner.runner.save_checkpoint``
   is wrapped by :func:`mmfer.utils.checkpoint.save_checkpoint_safely`)
   and replaces mmengine's local-file loader by
   :func:`mmfer.utils.checkpoint.load_from_local_safely`, which keeps
   ``weights_only=True``. Full-pickle loading stays an explicit opt-in (see
   :mod:`mmfer.utils.checkpoint`).
3. mmcv-lite has no compiled ops, so ``import mmcv.cnn.bricks.transformer``
   warns "Fail to import ``MultiScaleDeformableAttention``" on every run;
   mmfer uses no compiled op, and :func:`apply_stack_patches` silences
   exactly that warning.
4. mmengine's ``Runner.load_checkpoint`` (``load_from``, ``resume``,
   ``tools/test.py``'s checkpoint) loads with ``strict=False`` and prints
   the key mismatch to the console, so another model's checkpoint leaves
   the model random without an error. :func:`patch_runner_checkpoints`
   replaces it by
   :func:`mmfer.utils.model_checkpoint.runner_load_checkpoint`: the same
   contract (``after_load_checkpoint`` hooks first), but the fit is checked,
   logged into the work dir's log, and fewer than half the model's tensors
   matching is a ``CheckpointMismatchError`` unless the config sets
   ``allow_partial_checkpoint = True``. ``init_cfg``/``Pretrained``
   weights load through mmengine's ``load_checkpoint`` function, which is
   left as is (partial by design). It also replaces ``load_or_resume`` by
   :func:`mmfer.utils.auto_resume.runner_load_or_resume`: auto-resume on an
   empty work dir warns that training starts from scratch (mmengine logs
   "Auto resumed from the latest checkpoint None."), and a corrupt latest
   checkpoint falls back, with a warning, to the previous one.
5. Distributed training on a machine without CUDA: mmengine's
   ``_init_dist_pytorch`` calls ``torch.cuda.set_device`` and defaults to
   NCCL. That is handled where the process group is created, in
   :func:`mmfer.utils.dist.init_cpu_distributed`, not by patching mmengine.
"""
import importlib.util
import sys
import types

_APPLIED = False


def patch_mmaction_drn() -> bool:
    """Register stub modules for mmaction2 1.2.0's broken ``drn`` package.

    Returns:
        bool: True if the stub was installed, False if mmaction2 is absent
        or its ``drn`` package imports by itself (a fixed release).
    """
    try:
        spec = importlib.util.find_spec('mmaction')
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    from pathlib import Path
    drn_dir = Path(list(spec.submodule_search_locations)[0]) / 'models' / \
        'localizers' / 'drn'
    if (drn_dir / '__init__.py').exists():
        return False  # a release that ships the package properly
    for name in ('mmaction.models.localizers.drn',
                 'mmaction.models.localizers.drn.drn'):
        if name not in sys.modules:
            stub = types.ModuleType(name)
            stub.__doc__ = ('Stub installed by mmfer.utils.compat: the '
                            'mmaction2 1.2.0 wheel ships this package '
                            'without __init__.py (DRN is unavailable).')
            stub.__path__ = []  # make it a package
            sys.modules[name] = stub
    # ``from .drn import DRN`` in localizers/__init__.py needs the name.
    sys.modules['mmaction.models.localizers.drn'].DRN = None
    sys.modules['mmaction.models.localizers.drn.drn'].DRN = None
    return True


def patch_checkpoint_loading() -> None:
    """Save plain checkpoints and load local ones with weights_only."""
    import mmengine.runner.runner as runner_module
    from mmengine.runner.checkpoint import CheckpointLoader

    from .checkpoint import load_from_local_safely, save_checkpoint_safely
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)
    runner_module.save_checkpoint = save_checkpoint_safely


def patch_runner_checkpoints() -> None:
    """Check the fit of ``load_from`` / ``resume``; safe auto-resume."""
    from mmengine.runner import Runner

    from .auto_resume import runner_load_or_resume
    from .model_checkpoint import runner_load_checkpoint
    Runner.load_checkpoint = runner_load_checkpoint
    Runner.load_or_resume = runner_load_or_resume


def apply_stack_patches() -> None:
    """Apply every workaround once (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    import warnings
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    patch_mmaction_drn()
    patch_checkpoint_loading()
    patch_runner_checkpoints()
    _APPLIED = True
