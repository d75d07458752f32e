"""``Runner.load_or_resume`` that says what it resumed from, and survives a
corrupt latest checkpoint.

mmengine 0.10.7's auto-resume (``resume=True``, ``load_from=None``; what
``tools/train.py --resume`` without a path sets) reads the work dir's
``last_checkpoint`` file and

- on an empty work dir logs "Auto resumed from the latest checkpoint None."
  at INFO and trains from scratch;
- on a 0-byte or truncated latest checkpoint (a run killed while saving)
  fails with torch's zip / EOF error.

:func:`runner_load_or_resume` (installed by :mod:`mmfer.utils.compat`)
instead warns, naming the work dir, that training starts from scratch; and
when the latest checkpoint cannot be read (:class:`CorruptCheckpointError`
or a ``last_checkpoint`` naming a missing file) it warns, naming the file,
and resumes from the previous ``epoch_*.pth`` / ``iter_*.pth`` of the work
dir that loads (newest first), logging the fallback. An explicit
``--resume PATH`` (or ``load_from`` with ``resume=True``) never falls back:
a corrupt file there is an error.
"""
import glob
import os.path as osp
import re
from typing import List, Optional

from .checkpoint import CorruptCheckpointError

_NUMBERED = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def _latest_recorded(work_dir: str) -> Optional[str]:
    """The checkpoint named by ``work_dir/last_checkpoint`` (or None)."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        path = f.read().strip()
    if not path:
        return None
    return path if osp.isabs(path) else osp.join(work_dir, path)


def resume_candidates(work_dir: str) -> List[str]:
    """Checkpoints to auto-resume from, the preferred first.

    The one ``last_checkpoint`` names, then the other ``epoch_<n>.pth`` /
    ``iter_<n>.pth`` of ``work_dir`` by decreasing ``n`` (the kind of the
    latest first), without ``best_*.pth``.

    Args:
        work_dir (str): the run's work dir.

    Returns:
        list[str]: paths; empty when the work dir holds no checkpoint.
    """
    latest = _latest_recorded(work_dir)
    numbered = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        m = _NUMBERED.match(osp.basename(path))
        if m:
            numbered.append((m.group(1), int(m.group(2)), path))
    kind = None
    if latest is not None:
        m = _NUMBERED.match(osp.basename(latest))
        kind = m.group(1) if m else None
    numbered.sort(key=lambda t: (t[0] == kind, t[1]), reverse=True)
    ordered = [] if latest is None else [latest]
    ordered += [p for _, _, p in numbered
                if latest is None or osp.realpath(p) != osp.realpath(latest)]
    return ordered


def runner_load_or_resume(runner) -> None:
    """``Runner.load_or_resume`` with the warnings and fallback above."""
    if runner._has_loaded:
        return None
    if runner._resume and runner._load_from is None:
        _auto_resume(runner)
    elif runner._resume:
        runner.resume(runner._load_from)  # an explicit file: no fallback
        runner._has_loaded = True
    elif runner._load_from is not None:
        runner.load_checkpoint(runner._load_from)
        runner._has_loaded = True


def _auto_resume(runner) -> None:
    logger, work_dir = runner.logger, runner.work_dir
    candidates = resume_candidates(work_dir)
    if not candidates:
        logger.warning(
            f'--resume / resume=True: no checkpoint to resume from in the '
            f'work dir {work_dir} (no last_checkpoint file and no '
            'epoch_*.pth / iter_*.pth): training starts FROM SCRATCH. If '
            'you meant to continue a run, pass its work dir with --work-dir '
            'or the checkpoint with --resume PATH.')
        return
    skipped = []
    for path in candidates:
        if not osp.isfile(path):
            reason = 'named by last_checkpoint but missing'
        else:
            try:
                runner.resume(path)
            except CorruptCheckpointError as err:
                reason = str(err)
            else:
                if skipped:
                    logger.warning(
                        f'Auto-resume fell back to {path}: '
                        f'{len(skipped)} newer checkpoint(s) could not be '
                        'read (' + '; '.join(skipped) + '). The epochs after '
                        f'{osp.basename(path)} are trained again.')
                else:
                    logger.info(f'Auto resumed from the latest checkpoint '
                                f'{path}.')
                runner._has_loaded = True
                return
        logger.warning(f'Auto-resume: cannot use {path} ({reason}); trying '
                       'the previous checkpoint of the work dir.')
        skipped.append(f'{osp.basename(path)}: {reason.split(". ")[0]}')
    raise CorruptCheckpointError(
        candidates[0], 'and no other checkpoint of the work dir '
        f'{work_dir} can be read either (' + '; '.join(skipped) + ')')
