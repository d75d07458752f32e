"""One training run per work dir: a live holder refuses, a dead one is
taken over."""
import os
import os.path as osp
import signal
import subprocess
import sys
import warnings

import pytest

from mmfer.utils.work_dir_lock import (LOCK_NAME, WorkDirLock,
                                       WorkDirLockedError)

HOLDER = '''
import sys, time
from mmfer.utils.work_dir_lock import WorkDirLock
WorkDirLock(sys.argv[1]).acquire()
print('locked', flush=True)
time.sleep(120)
'''


def _start_holder(work_dir):
    proc = subprocess.Popen(
        [sys.executable, '-c', HOLDER, work_dir], stdout=subprocess.PIPE,
        text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.stdout.readline().strip() == 'locked'
    return proc


def test_second_run_refused_naming_the_first_then_stale_taken_over(
        tmp_path):
    work_dir = str(tmp_path / 'work')
    holder = _start_holder(work_dir)
    try:
        with pytest.raises(WorkDirLockedError) as err:
            WorkDirLock(work_dir).acquire()
        msg = str(err.value)
        assert f'The work dir {work_dir} is in use by another training run ' \
            f'(pid {holder.pid} on host ' in msg
        assert 'command: -c ' in msg and osp.join(work_dir, LOCK_NAME) in msg
        assert msg.endswith('Pass --work-dir with another directory, or '
                            'wait until that run ends.')
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up: a stale file
        holder.wait()
    assert osp.isfile(osp.join(work_dir, LOCK_NAME))
    with pytest.warns(UserWarning) as caught:
        lock = WorkDirLock(work_dir).acquire()
    assert f'from a run that is no longer running (pid {holder.pid} on ' \
        'host ' in str(caught[0].message)
    lock.release()
    assert not osp.exists(osp.join(work_dir, LOCK_NAME))


def test_lock_released_on_exit_and_reusable(tmp_path):
    work_dir = str(tmp_path / 'work')
    with WorkDirLock(work_dir) as lock:
        with open(lock.path) as f:
            assert f'"pid": {os.getpid()}' in f.read()
    assert not osp.exists(osp.join(work_dir, LOCK_NAME))
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # a clean release: no take-over
        with WorkDirLock(work_dir):
            pass
    assert not osp.exists(osp.join(work_dir, LOCK_NAME))
