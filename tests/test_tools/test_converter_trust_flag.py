"""The model converters' refusal of a pickle that would run code names
their own opt-in flag, ``--trust`` (issue 13: it named tools/train.py's
``--trust-checkpoint``), and ``--trust`` then loads the file."""

import pytest
import torch

from mmfer.utils import UntrustedCheckpointError
from tool_scripts import load_tool

CONVERTERS = ('mae2mmfer', 'audiomae2mmfer', 'mae_face2mmfer',
              'mma_dfer2mmfer')


def _load_tool(name):
    return load_tool('model_converters', f'{name}.py')


class RecorderMeter:
    """An object whose unpickling needs code (here: this module)."""

    epoch = 3


@pytest.fixture(scope='module')
def pickled(tmp_path_factory):
    """A checkpoint with a non-tensor object (as MMA-DFER's main.py saves
    its RecorderMeter), which the safe loader refuses."""
    path = str(tmp_path_factory.mktemp('trust') / 'official.pth')
    torch.save({'model': {'w': torch.zeros(2)},
                'recorder': RecorderMeter()}, path)
    return path


@pytest.mark.parametrize('name', CONVERTERS)
def test_refusal_names_the_converters_own_flag(name, pickled):
    tool = _load_tool(name)
    with pytest.raises(UntrustedCheckpointError) as info:
        tool.load_weights(pickled, trust=False)
    msg = str(info.value)
    assert msg.startswith(f'Refusing to unpickle "{pickled}"')
    assert (f'rerun with --trust: python tools/model_converters/{name}.py '
            f'{pickled} ... --trust') in msg
    assert '--trust-checkpoint' not in msg
    weights = tool.load_weights(pickled, trust=True)
    assert list(weights) == ['w']
