"""The Runner's load_from / resume / tools/test.py checkpoint and
tools/train.py's work-dir lock, on the quickstart config with tiny data."""
import glob
import os
import os.path as osp
import sys
import uuid
from argparse import Namespace

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmfer.utils import CheckpointMismatchError, CorruptCheckpointError
from mmfer.utils.work_dir_lock import WorkDirLock, WorkDirLockedError
from quickstart_helpers import QUICKSTART, as_cli, quickstart_overrides
from tool_scripts import load_tool


def _cfg(data_root, work_dir, max_epochs=1, **extra):
    cfg = Config.fromfile(QUICKSTART)
    cfg.merge_from_dict(quickstart_overrides(data_root, work_dir,
                                             max_epochs=max_epochs))
    cfg.experiment_name = f'test_{uuid.uuid4().hex[:8]}'
    cfg.merge_from_dict(extra)
    return cfg


def _log_text(runner):
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        return f.read()


@pytest.fixture
def other_models_ckpt(tmp_path):
    """A checkpoint of another model (ViT-style keys), as mmengine saves."""
    state = {'backbone.patch_embed.projection.weight': torch.zeros(8, 3, 4, 4),
             'backbone.blocks.0.attn.qkv.weight': torch.zeros(24, 8),
             'head.fc.weight': torch.zeros(7, 8)}
    path = str(tmp_path / 'mma_dfer_epoch_25.pth')
    torch.save({'state_dict': state, 'meta': {'epoch': 25}}, path)
    return path


@pytest.fixture(scope='module')
def trained_one_epoch(tiny_synthface, tmp_path_factory):
    """A work dir holding epoch_1.pth of the quickstart (no validation)."""
    work_dir = str(tmp_path_factory.mktemp('one_epoch'))
    Runner.from_cfg(_cfg(tiny_synthface, work_dir, max_epochs=1,
                         **{'train_cfg.val_interval': 10})).train()
    return work_dir


def test_load_from_other_models_checkpoint_refused_and_logged(
        tiny_synthface, tmp_path, other_models_ckpt):
    runner = Runner.from_cfg(_cfg(tiny_synthface, str(tmp_path / 'w'),
                                  load_from=other_models_ckpt))
    with pytest.raises(CheckpointMismatchError) as err:
        runner.load_or_resume()
    msg = str(err.value)
    assert f'Checkpoint "{other_models_ckpt}" does not fit the model ' \
        'FERClassifier (fewer than 50% match): 0/' in msg
    assert '0/102 (0.0%)' in msg and 'missing from the checkpoint: 101' in msg
    assert 'mis-shaped (not loaded): 1 (e.g. head.fc.weight: checkpoint ' \
        '(7, 8) vs model (7, 256))' in msg
    assert 'unexpected (not in the model): 2 (e.g. backbone.patch_embed.' \
        'projection.weight' in msg
    assert '--allow-partial-checkpoint' in msg
    assert msg in _log_text(runner)  # in the work dir's log file


def test_partial_opt_in_by_config_key_loads_and_logs(
        tiny_synthface, tmp_path, other_models_ckpt):
    runner = Runner.from_cfg(_cfg(
        tiny_synthface, str(tmp_path / 'w'), load_from=other_models_ckpt,
        allow_partial_checkpoint=True))
    runner.load_or_resume()
    log = _log_text(runner)
    assert f'Checkpoint "{other_models_ckpt}" loaded partially (partial ' \
        'load allowed): 0/' in log
    assert "The tensors not loaded keep the model's own initialisation" in log


def _tools_test_module():
    return load_tool('test.py', name='mmfer_tools_test')


def test_tools_test_refuses_other_models_checkpoint(
        tiny_synthface, tmp_path, other_models_ckpt):
    test_py = _tools_test_module()
    opts = quickstart_overrides(tiny_synthface, str(tmp_path / 'w'))
    opts['experiment_name'] = f'test_{uuid.uuid4().hex[:8]}'
    cfg = test_py.merge_args(Config.fromfile(QUICKSTART), Namespace(
        work_dir=str(tmp_path / 'w'), checkpoint=other_models_ckpt,
        show_dir=None,
        out=None, cfg_options=opts))
    with pytest.raises(CheckpointMismatchError,
                       match='probably the checkpoint of another model'):
        Runner.from_cfg(cfg).test()
    # the documented opt-in sets the config key
    cfg = test_py.merge_args(Config.fromfile(QUICKSTART), Namespace(
        work_dir=str(tmp_path / 'w'), checkpoint=other_models_ckpt,
        show_dir=None,
        out=None, cfg_options=opts, allow_partial_checkpoint=True))
    assert cfg.allow_partial_checkpoint is True


def test_auto_resume_empty_work_dir_warns_training_from_scratch(
        tiny_synthface, tmp_path):
    work_dir = str(tmp_path / 'empty')
    runner = Runner.from_cfg(_cfg(tiny_synthface, work_dir, resume=True))
    runner.load_or_resume()
    assert runner.epoch == 0
    assert (f'WARNING - --resume / resume=True: no checkpoint to resume from '
            f'in the work dir {work_dir}') in _log_text(runner)
    assert 'training starts FROM SCRATCH' in _log_text(runner)


def test_auto_resume_falls_back_from_truncated_latest(
        tiny_synthface, trained_one_epoch, tmp_path):
    import shutil
    work_dir = str(tmp_path / 'copy')
    shutil.copytree(trained_one_epoch, work_dir)
    # epoch 2 was being saved when the run was killed: half a file
    latest = osp.join(work_dir, 'epoch_2.pth')
    with open(osp.join(work_dir, 'epoch_1.pth'), 'rb') as f:
        data = f.read()
    with open(latest, 'wb') as f:
        f.write(data[:len(data) // 2])
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(latest)
    runner = Runner.from_cfg(_cfg(tiny_synthface, work_dir, max_epochs=2,
                                  resume=True))
    runner.load_or_resume()
    assert runner.epoch == 1
    log = _log_text(runner)
    assert f'Auto-resume: cannot use {latest} (Checkpoint "{latest}" is ' \
        'incomplete or corrupt' in log
    assert (f'Auto-resume fell back to {osp.join(work_dir, "epoch_1.pth")}: '
            '1 newer checkpoint(s) could not be read (epoch_2.pth: '
            f'Checkpoint "{latest}" is incomplete or corrupt') in log


def test_explicit_resume_of_zero_byte_file_is_an_error(
        tiny_synthface, tmp_path):
    empty = str(tmp_path / 'epoch_9.pth')
    open(empty, 'wb').close()
    runner = Runner.from_cfg(_cfg(tiny_synthface, str(tmp_path / 'w'),
                                  resume=True, load_from=empty))
    with pytest.raises(CorruptCheckpointError,
                       match=rf'"{empty}" is incomplete or corrupt \(0 '
                       r'bytes; the file is empty\)'):
        runner.load_or_resume()


def test_train_cli_refuses_a_locked_work_dir(tiny_synthface, tmp_path,
                                            monkeypatch):
    train_py = load_tool('train.py', name='mmfer_tools_train')
    work_dir = str(tmp_path / 'busy')
    opts = quickstart_overrides(tiny_synthface, work_dir)
    monkeypatch.setattr(sys, 'argv',
                        ['tools/train.py', QUICKSTART] + as_cli(opts))
    # another run (here: another open file of this process) holds it;
    # flock conflicts between open files even inside one process
    with WorkDirLock(work_dir):
        with pytest.raises(WorkDirLockedError) as err:
            train_py.main()
    assert (f'The work dir {work_dir} is in use by another training run '
            f'(pid {os.getpid()} on host') in str(err.value)
    assert not glob.glob(osp.join(work_dir, '*'))  # no Runner: nothing
