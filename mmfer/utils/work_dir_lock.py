"""One training run per work dir.

Two runs writing into one work dir overwrite each other's checkpoints,
``last_checkpoint`` and config dump without a word. ``tools/train.py``
therefore takes :data:`LOCK_NAME` in the work dir before it builds the
Runner (rank 0 only in a distributed run) and holds it until the process
exits. A second run into the same work dir gets a
:class:`WorkDirLockedError` naming the first (pid, host, start time,
command) and the fix.

The lock is an ``fcntl.flock`` on the file, so the kernel drops it when its
process dies, even by ``kill -9``: a lock file left by a dead run is taken
over (with a warning naming that run) instead of blocking forever. The
file is removed on a normal exit. ``flock`` is per host on some network
file systems (older NFS): two hosts writing one shared work dir are only
refused where the file system propagates ``flock``.
"""
import atexit
import errno
import fcntl
import json
import os
import os.path as osp
import socket
import sys
import time
import warnings
from contextlib import contextmanager
from typing import Optional

LOCK_NAME = '.mmfer_train.lock'


class WorkDirLockedError(RuntimeError):
    """Another live run holds the work dir."""


def _describe(info: dict) -> str:
    started = info.get('started')
    when = time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started)) \
        if isinstance(started, (int, float)) else 'unknown time'
    return (f'pid {info.get("pid", "?")} on host {info.get("host", "?")}, '
            f'started {when}, command: {info.get("command", "?")}')


def _read_info(fd: int) -> dict:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b''
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        raw += chunk
    try:
        return json.loads(raw.decode() or '{}')
    except ValueError:
        return {}


class WorkDirLock:
    """An exclusive lock on a work dir (see the module docstring).

    Args:
        work_dir (str): the run's work dir (created if missing).
        logger (logging.Logger, optional): where the take-over warning goes
            (``warnings.warn`` when None).
    """

    def __init__(self, work_dir: str, logger=None):
        self.work_dir = osp.abspath(work_dir)
        self.path = osp.join(self.work_dir, LOCK_NAME)
        self.logger = logger
        self._fd: Optional[int] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock.

        Raises:
            WorkDirLockedError: a live process holds it.
        """
        if self._fd is not None:
            return self
        os.makedirs(self.work_dir, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                info = _read_info(fd)
                os.close(fd)
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise WorkDirLockedError(
                    f'The work dir {self.work_dir} is in use by another '
                    f'training run ({_describe(info)}; lock file '
                    f'{self.path}). Two runs in one work dir overwrite each '
                    'other\'s checkpoints and logs. Pass --work-dir with '
                    'another directory, or wait until that run ends.'
                ) from None
            # the holder may have removed the file between our open and
            # flock: then we locked an orphan inode; start over
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = _read_info(fd)
        if previous:
            self._warn(f'Taking over the lock of the work dir '
                       f'{self.work_dir} from a run that is no longer '
                       f'running ({_describe(previous)}); its last '
                       'checkpoint may be incomplete.')
        info = dict(pid=os.getpid(), host=socket.gethostname(),
                    started=time.time(), command=' '.join(sys.argv))
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode())
        os.fsync(fd)
        self._fd = fd
        atexit.register(self.release)
        return self

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass
        os.close(fd)  # closing drops the flock
        atexit.unregister(self.release)

    def _warn(self, message: str) -> None:
        if self.logger is not None:
            self.logger.warning(message)
        else:
            warnings.warn(message)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


@contextmanager
def lock_work_dir(work_dir: str, logger=None):
    """Hold the work dir's lock for the ``with`` block; distributed-aware.

    In a distributed run (process group initialised, world size > 1) rank
    0 takes the lock and tells the other ranks whether it succeeded, so all
    ranks stop with the same :class:`WorkDirLockedError`.

    Args:
        work_dir (str): the run's work dir.
        logger (logging.Logger, optional): for the take-over warning.
    """
    from mmengine.dist import broadcast_object_list, get_dist_info
    rank, world_size = get_dist_info()
    lock, error = None, None
    if rank == 0:
        try:
            lock = WorkDirLock(work_dir, logger).acquire()
        except WorkDirLockedError as err:
            error = str(err)
    if world_size > 1:
        shared = [error]
        broadcast_object_list(shared, src=0)
        error = shared[0]
    if error is not None:
        raise WorkDirLockedError(error)
    try:
        yield lock
    finally:
        if lock is not None:
            lock.release()
