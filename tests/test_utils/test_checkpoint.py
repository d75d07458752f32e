import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from torch import nn

from mmfer.registry import MODELS
from mmfer.utils import (UntrustedCheckpointError, safe_torch_load,
                         trust_checkpoints)
from mmfer.utils.checkpoint import (decode_checkpoint, encode_checkpoint,
                                    save_checkpoint_safely)


class _Payload:
    """A pickle that creates a marker file when it is unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def _write_malicious(path, marker):
    torch.save({'state_dict': {'w': torch.zeros(1)},
                'evil': _Payload(str(marker))}, path)


def test_malicious_pickle_is_refused(tmp_path):
    ckpt, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    _write_malicious(ckpt, marker)
    with pytest.raises(UntrustedCheckpointError) as err:
        safe_torch_load(ckpt)
    assert not marker.exists(), 'code from the pickle ran'
    msg = str(err.value)
    assert str(ckpt) in msg and '--trust-checkpoint' in msg
    assert 'io.open' in msg  # names what the file wanted to run


def test_malicious_pretrained_weights_refused_by_init_cfg(tmp_path):
    ckpt, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    _write_malicious(ckpt, marker)
    model = MODELS.build(
        dict(
            type='mmpretrain.VisionTransformer',
            arch=dict(embed_dims=32, num_layers=1, num_heads=2,
                      feedforward_channels=64),
            img_size=32,
            patch_size=8,
            init_cfg=dict(type='Pretrained', checkpoint=str(ckpt))))
    with pytest.raises(UntrustedCheckpointError):
        model.init_weights()
    assert not marker.exists()


def test_trusted_opt_in_loads_full_pickle(tmp_path, monkeypatch):
    ckpt, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    _write_malicious(ckpt, marker)
    with trust_checkpoints([str(ckpt)]):
        safe_torch_load(ckpt)
    assert marker.exists()  # trusting a file means running its code
    marker.unlink()
    # the opt-in ends with the block
    with pytest.raises(UntrustedCheckpointError):
        safe_torch_load(ckpt)
    monkeypatch.setenv('MMFER_TRUST_CHECKPOINTS', str(ckpt))
    safe_torch_load(ckpt)
    assert marker.exists()


def test_plain_state_dict_loads(tmp_path):
    path = tmp_path / 'w.pth'
    torch.save({'state_dict': nn.Linear(2, 3).state_dict()}, path)
    out = safe_torch_load(path)
    assert out['state_dict']['weight'].shape == (3, 2)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        safe_torch_load(tmp_path / 'missing.pth')


def test_mmengine_checkpoint_round_trip_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('ckpt_test')
    for v in (1.0, 2.0, 4.0):
        hub.update_scalar('train/loss', v)
    hub.update_info('iter', np.int64(7))
    ckpt = dict(
        meta=dict(seed=np.int64(3), epoch=2),
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict(),
        arr=np.arange(4, dtype=np.float32))
    # the raw mmengine checkpoint needs a full pickle under torch 2.14
    raw = tmp_path / 'raw.pth'
    torch.save(ckpt, raw)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(raw, weights_only=True)
    # mmfer writes it in plain form, which weights_only accepts
    path = tmp_path / 'safe.pth'
    save_checkpoint_safely(ckpt, str(path))
    torch.load(path, weights_only=True)
    loaded = _load_checkpoint(str(path), map_location='cpu')  # mmengine API
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.mean() == pytest.approx(7 / 3)
    assert loaded['message_hub']['runtime_info']['iter'] == 7
    np.testing.assert_array_equal(loaded['arr'], np.arange(4))
    assert loaded['arr'].dtype == np.float32
    assert loaded['meta']['seed'] == 3


def test_encode_decode_inverse():
    obj = {'a': [np.ones((2, 2)), (np.float64(1.5), 'x')],
           'b': np.array(['s', 1], dtype=object)}
    back = decode_checkpoint(encode_checkpoint(obj))
    np.testing.assert_array_equal(back['a'][0], np.ones((2, 2)))
    assert back['a'][1] == (1.5, 'x')
    assert list(back['b']) == ['s', 1]


def test_local_scheme_is_mmfer_loader():
    loader = CheckpointLoader._get_checkpoint_loader('/some/file.pth')
    assert loader.__module__ == 'mmfer.utils.checkpoint'
    assert os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD') is None
