"""``generate_layout``: cached, atomic, optionally parallel dataset writing.

The dataset is written into a temporary sibling directory, ``meta.json`` is
written last, and the directory is renamed into place.  So ``DIR`` either
holds a complete dataset or does not exist; a run killed midway leaves only
a ``.DIR.tmp-<pid>-*`` sibling, removed by the next run once that pid is
gone.  A second call with the same arguments finds ``DIR/meta.json`` and
returns at once (nothing is rewritten); two processes racing on one ``DIR``
both end with the same complete data (the loser discards its copy).
"""
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

from ..constants import SYNTHFACE_VERSION
from .affectnet import AffectNetLayout
from .bosphorus import BosphorusLayout
from .bp4d import BP4DLayout
from .bp4d_plus import BP4DPlusLayout
from .bu3dfe import BU3DFELayout
from .celebamask_hq import CelebAMaskHQLayout
from .dfew import DFEWLayout
from .disfa import DISFALayout
from .expw import ExpWLayout
from .face_folders import CASIAWebFaceLayout, CelebALayout, FFHQLayout
from .ferplus import FERPlusLayout
from .jaffe import JAFFELayout
from .mafw import MAFWLayout
from .native import NativeLayout
from .rafdb import RAFDBLayout
from .rgbd_folder import CCZUFERLayout, VTKFERLayout
from .sfew import SFEWLayout

#: Layout name -> writer class.
LAYOUTS = {cls.name: cls for cls in (NativeLayout, BP4DLayout, BP4DPlusLayout,
                                     DISFALayout, DFEWLayout, MAFWLayout,
                                     BU3DFELayout, BosphorusLayout,
                                     VTKFERLayout, CCZUFERLayout)}
# EMPD's pre-training sources (parsing masks; unlabelled face folders)
LAYOUTS.update({cls.name: cls for cls in (CelebAMaskHQLayout, CelebALayout,
                                          FFHQLayout, CASIAWebFaceLayout)})
# EMPD's labelled FER databases (RAF-DB, AffectNet, FER+, SFEW, ExpW, JAFFE)
LAYOUTS.update({cls.name: cls for cls in (RAFDBLayout, AffectNetLayout,
                                          FERPlusLayout, SFEWLayout,
                                          ExpWLayout, JAFFELayout)})
_MARKER = '.synthface'


def resolve_args(layout, kwargs):
    """Full, JSON-normalised argument dict of a layout (validated)."""
    if layout not in LAYOUTS:
        raise ValueError(f'unknown SynthFace layout {layout!r}; valid: '
                         f'{", ".join(LAYOUTS)}')
    cls = LAYOUTS[layout]
    unknown = set(kwargs) - set(cls.defaults)
    if unknown:
        raise ValueError(f'layout {layout!r} does not accept '
                         f'{sorted(unknown)}; valid arguments: '
                         f'{", ".join(cls.defaults)}')
    args = {**cls.defaults,
            **{k: v for k, v in kwargs.items() if v is not None}}
    args = json.loads(json.dumps(args))   # tuples -> lists, as in meta.json
    for key in ('subjects', 'size', 'seed'):
        if int(args[key]) != args[key]:
            raise ValueError(f'{key} must be an integer, got {args[key]!r}')
    if args['size'] < 32:
        raise ValueError(f"size must be >= 32 pixels, got {args['size']}")
    if args['subjects'] < 1:
        raise ValueError(f"subjects must be >= 1, got {args['subjects']}")
    if args.get('samples', 1) < 1 or args.get('frames', 3) < 3:
        raise ValueError('samples must be >= 1 and frames >= 3')
    return args


def _read_meta(out):
    try:
        with open(out / 'meta.json') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _is_cached(out, layout, args):
    meta = _read_meta(out)
    return (meta is not None and meta.get('layout') == layout and
            meta.get('version') == SYNTHFACE_VERSION and
            meta.get('args') == args)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale_tmp(out):
    for p in out.parent.glob(f'.{out.name}.tmp-*'):
        try:
            pid = int(p.name.split('.tmp-')[1].split('-')[0])
        except (IndexError, ValueError):
            continue
        if not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def _install(tmp, out, layout, args, force):
    """Rename tmp to out, replacing a stale/incomplete out; tolerate races."""
    for _ in range(20):
        try:
            os.rename(tmp, out)
            return
        except OSError:
            pass
        if not force and _is_cached(out, layout, args):
            shutil.rmtree(tmp, ignore_errors=True)   # lost the race: same data
            return
        trash = out.parent / f'.{out.name}.old-{os.getpid()}-{uuid.uuid4().hex}'
        try:
            os.rename(out, trash)
        except OSError:
            time.sleep(0.05)
            continue
        shutil.rmtree(trash, ignore_errors=True)
        force = False
    raise OSError(f'could not move {tmp} into place at {out}')


def _run_subject(job):
    layout, args, root, index, sid = job
    t0 = time.time()
    records = LAYOUTS[layout](args).write_subject(Path(root), index, sid)
    return records, time.time() - t0


def generate_layout(layout, out_dir, *, force=False, workers=0, verbose=True,
                    **kwargs):
    """Render a SynthFace dataset in an on-disk layout (cached).

    Args:
        layout (str): one of :data:`LAYOUTS` ('synthface', 'bp4d',
            'bp4d_plus', 'disfa', 'dfew', 'mafw').
        out_dir (str | Path): dataset directory.
        force (bool): regenerate even if an identical dataset exists.
        workers (int): subprocesses rendering subjects in parallel (0 =
            in this process).  Output does not depend on it.
        verbose (bool): print one progress line per subject to stderr.
        **kwargs: layout arguments (``subjects``, ``samples``, ``seed``,
            ``size``, ``frames``, ...; see each writer's ``defaults``).

    Returns:
        Path: ``out_dir``, complete.

    Example:
        >>> generate_layout('synthface', '/tmp/sf', subjects=2, samples=3,
        ...                 size=32, verbose=False).name
        'sf'
    """
    args = resolve_args(layout, kwargs)
    out = Path(out_dir).absolute()
    if not force and _is_cached(out, layout, args):
        return out
    if out.is_dir() and any(out.iterdir()) and not (
            (out / 'meta.json').exists() or (out / _MARKER).exists()):
        raise FileExistsError(f'{out} is not empty and is not a SynthFace '
                              'dataset; refusing to overwrite it')
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_tmp(out)
    tmp = out.parent / f'.{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}'
    tmp.mkdir()
    try:
        (tmp / _MARKER).write_text(layout + '\n')
        writer = LAYOUTS[layout](args)
        sids = writer.subject_ids(args['subjects'])
        jobs = [(layout, args, str(tmp), i, sid) for i, sid in enumerate(sids)]
        results = []
        if workers and workers > 0:
            import multiprocessing as mp
            ctx = mp.get_context('fork' if 'fork' in mp.get_all_start_methods()
                                 else 'spawn')
            with ctx.Pool(workers) as pool:
                it = pool.imap(_run_subject, jobs)
                for k, (recs, dt) in enumerate(it):
                    results.append(recs)
                    _progress(verbose, layout, k, sids, dt)
        else:
            for k, job in enumerate(jobs):
                recs, dt = _run_subject(job)
                results.append(recs)
                _progress(verbose, layout, k, sids, dt)
        extra = writer.finalize(tmp, results)
        meta = dict(generator='synthface', version=SYNTHFACE_VERSION,
                    layout=layout, seed=args['seed'], args=args,
                    subjects=sids, **extra)
        with open(tmp / 'meta.json', 'w') as f:   # last: marks completion
            json.dump(meta, f, indent=1)
        _install(tmp, out, layout, args, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _progress(verbose, layout, k, sids, dt):
    if verbose:
        print(f'[synthface:{layout}] subject {k + 1}/{len(sids)} {sids[k]} '
              f'done ({dt:.1f} s)', file=sys.stderr, flush=True)
