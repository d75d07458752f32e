"""tools/train.py, tools/test.py and tools/dist_train.sh as a user runs them."""
import glob
import os
import os.path as osp
import pickle
import socket
import subprocess
import sys

from quickstart_helpers import QUICKSTART, REPO, as_cli, quickstart_overrides


def _run(cmd, timeout, env=None):
    full_env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    proc = subprocess.run(
        cmd, cwd=REPO, env=full_env, capture_output=True, text=True,
        timeout=timeout)
    assert proc.returncode == 0, (proc.stdout[-3000:] + proc.stderr[-3000:])
    return proc.stdout + proc.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_train_then_test_cli(tiny_synthface, tmp_path):
    work = str(tmp_path / 'work')
    opts = quickstart_overrides(tiny_synthface, work, max_epochs=1)
    out = _run([sys.executable, 'tools/train.py', QUICKSTART] + as_cli(opts),
               timeout=300)
    assert 'expr/UAR' in out
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    assert osp.islink(osp.join(work, 'last_checkpoint')) or osp.isfile(
        osp.join(work, 'last_checkpoint'))

    preds = str(tmp_path / 'preds.pkl')
    out = _run([
        sys.executable, 'tools/test.py', QUICKSTART, ckpt, '--out', preds,
        '--show-dir', str(tmp_path / 'vis')
    ] + as_cli(opts), timeout=300)
    assert 'expr/WAR' in out
    with open(preds, 'rb') as f:
        results = pickle.load(f)
    assert len(results) == 12 and 'pred_score' in results[0]
    assert len(glob.glob(str(tmp_path / 'vis' / '*.png'))) == 12


def test_resume_cli_continues(tiny_synthface, tmp_path):
    work = str(tmp_path / 'work')
    opts = quickstart_overrides(tiny_synthface, work, max_epochs=1)
    _run([sys.executable, 'tools/train.py', QUICKSTART] + as_cli(opts),
         timeout=300)
    opts['train_cfg.max_epochs'] = 2
    out = _run([sys.executable, 'tools/train.py', QUICKSTART, '--resume'] +
               as_cli(opts), timeout=300)
    assert 'resumed epoch: 1' in out
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))


def test_dist_train_two_processes_on_cpu(tiny_synthface, tmp_path):
    work = str(tmp_path / 'dist')
    opts = quickstart_overrides(tiny_synthface, work, max_epochs=1)
    out = _run(['bash', 'tools/dist_train.sh', QUICKSTART, '2'] +
               as_cli(opts), timeout=400,
               env=dict(PORT=str(_free_port())))
    assert 'Distributed launcher: pytorch' in out or 'world_size' in out
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert 'expr/UAR' in out
