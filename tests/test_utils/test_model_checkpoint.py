"""load_model_checkpoint: another model's checkpoint, partial opt-in,
mis-shaped tensors, 0-byte and truncated files."""
import logging
import os.path as osp

import pytest
import torch
from torch import nn

from mmfer.utils import (CheckpointMismatchError, CorruptCheckpointError,
                         load_model_checkpoint, safe_torch_load)


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append((record.levelname, record.getMessage()))


def _logger():
    logger = logging.getLogger(f'test_model_checkpoint_{id(object())}')
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _Records()
    logger.addHandler(handler)
    return logger, handler.records


def _classifier(num_classes=7):
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Flatten(), nn.Linear(8, num_classes))


def _save(tmp_path, name, state):
    path = str(tmp_path / name)
    torch.save({'state_dict': state, 'meta': {}}, path)
    return path


def test_other_models_checkpoint_is_refused(tmp_path):
    other = nn.Sequential(nn.Linear(16, 32), nn.Linear(32, 4))
    path = _save(tmp_path, 'other_model.pth', other.state_dict())
    model = _classifier()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    logger, records = _logger()
    with pytest.raises(CheckpointMismatchError) as err:
        load_model_checkpoint(model, path, logger=logger)
    msg = str(err.value)
    assert path in msg
    assert '0/8 (0.0%)' in msg  # 8 tensors, num_batches_tracked not counted
    assert 'missing from the checkpoint: 4 (e.g. 1.running_mean' in msg
    assert 'mis-shaped (not loaded): 4 (e.g. 0.weight: checkpoint (32, 16) ' \
        'vs model (8, 3, 3, 3)' in msg
    assert '--allow-partial-checkpoint' in msg
    assert 'allow_partial=True' in msg
    assert records[-1] == ('ERROR', msg)
    for k, v in model.state_dict().items():  # nothing was loaded
        torch.testing.assert_close(v, before[k])


def test_partial_opt_in_loads_matching_tensors_and_logs(tmp_path):
    src = _classifier()
    state = {k: v for k, v in src.state_dict().items()
             if k.startswith('0.')}  # the "backbone" only: 2 of 8 tensors
    state['decoder.weight'] = torch.zeros(3)
    path = _save(tmp_path, 'backbone_only.pth', state)
    model = _classifier()
    logger, records = _logger()
    load_model_checkpoint(model, path, allow_partial=True, logger=logger)
    torch.testing.assert_close(model[0].weight, src[0].weight)
    level, msg = records[-1]
    assert level == 'WARNING'
    assert f'Checkpoint "{path}" loaded partially (partial load allowed)' \
        in msg
    assert '2/8 (25.0%)' in msg and 'missing from the checkpoint: 6' in msg
    assert 'unexpected (not in the model): 1 (e.g. decoder.weight)' in msg


def test_mis_shaped_head_is_not_loaded_and_named(tmp_path):
    src = _classifier(num_classes=12)  # e.g. BP4D's 12 AUs into DISFA's 8
    path = _save(tmp_path, 'bp4d.pth', src.state_dict())
    model = _classifier(num_classes=8)
    head_before = model[4].weight.clone()
    logger, records = _logger()
    load_model_checkpoint(model, path, logger=logger)
    torch.testing.assert_close(model[0].weight, src[0].weight)
    torch.testing.assert_close(model[4].weight, head_before)
    level, msg = records[-1]
    assert level == 'WARNING' and '6/8 (75.0%)' in msg
    assert ('mis-shaped (not loaded): 2 (e.g. 4.weight: checkpoint (12, 8) '
            'vs model (8, 8)') in msg


def test_exact_checkpoint_loads_silently_at_info(tmp_path):
    src = _classifier()
    path = _save(tmp_path, 'same.pth', src.state_dict())
    model = _classifier()
    logger, records = _logger()
    ckpt = load_model_checkpoint(model, path, logger=logger)
    assert ckpt['meta'] == {}
    assert records == [('INFO', f'Loaded checkpoint "{path}": all 8 '
                        'state-dict tensors of Sequential matched.')]


def test_zero_byte_checkpoint_names_file_size_and_fix(tmp_path):
    path = str(tmp_path / 'epoch_3.pth')
    open(path, 'wb').close()
    with pytest.raises(CorruptCheckpointError) as err:
        load_model_checkpoint(_classifier(), path)
    msg = str(err.value)
    assert f'Checkpoint "{path}" is incomplete or corrupt (0 bytes; the ' \
        'file is empty)' in msg
    assert 'Copy or download the file again, or use another checkpoint' in msg


@pytest.mark.parametrize('keep', [0.5, 0.999])
def test_truncated_checkpoint_names_file_size_and_fix(tmp_path, keep):
    full = _save(tmp_path, 'full.pth', _classifier().state_dict())
    data = open(full, 'rb').read()
    path = str(tmp_path / 'epoch_2.pth')
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * keep)])
    size = osp.getsize(path)
    with pytest.raises(CorruptCheckpointError) as err:
        safe_torch_load(path)
    msg = str(err.value)
    assert f'Checkpoint "{path}" is incomplete or corrupt ({size} bytes; ' \
        'the zip archive has no central directory: truncated)' in msg
    assert 'killed while saving' in msg


def test_resume_path_truncated_refused_before_the_runner_is_built(tmp_path):
    from argparse import Namespace

    from mmengine.config import Config

    from mmfer.utils import merge_train_args
    full = _save(tmp_path, 'full.pth', _classifier().state_dict())
    path = str(tmp_path / 'epoch_4.pth')
    with open(full, 'rb') as src, open(path, 'wb') as dst:
        dst.write(src.read()[:300])
    args = Namespace(config='x.py', work_dir=str(tmp_path), resume=path,
                     amp=False, no_validate=False, auto_scale_lr=False,
                     cfg_options=None)
    with pytest.raises(CorruptCheckpointError,
                       match=rf'"{path}" is incomplete or corrupt \(300 '
                       r'bytes; the zip archive has no central directory'):
        merge_train_args(Config(dict(optim_wrapper=dict())), args)
