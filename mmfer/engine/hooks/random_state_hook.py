"""Reproducible randomness across checkpoint / resume boundaries."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmfer.registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Derive each epoch's random state from ``(seed, epoch)``.

    mmengine restores the epoch, optimizer, schedulers and sampler order
    on ``--resume``, but not the global RNG streams that dropout, drop
    path, masking and the data pipeline draw from. This hook reseeds
    python, numpy and torch (and CUDA) at the start of every training
    epoch from the run's seed and the epoch number, so that training N
    epochs straight and N/2 + resume + N/2 consume identical random
    numbers. The RNG state is also saved into every checkpoint under
    ``rng_state`` and restored on resume (for iteration-based loops, which
    resume mid-epoch).

    Note: with ``num_workers > 0`` use ``persistent_workers=False`` for a
    bit-exact resume; persistent workers keep their RNG across epochs.

    Args:
        reseed_each_epoch (bool): reseed at each ``before_train_epoch``.
            Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, reseed_each_epoch: bool = True):
        self.reseed_each_epoch = reseed_each_epoch

    @staticmethod
    def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
        """The seed of one epoch: a fixed function of run seed and epoch."""
        return int(np.random.SeedSequence([seed, epoch, rank]).generate_state(
            1)[0] % (2**31))

    def before_train_epoch(self, runner) -> None:
        if not self.reseed_each_epoch:
            return
        seed = runner.seed if runner.seed is not None else 0
        diff_rank = runner._randomness_cfg.get('diff_rank_seed', False)
        epoch_seed = self.epoch_seed(seed, runner.epoch,
                                     get_rank() if diff_rank else 0)
        random.seed(epoch_seed)
        np.random.seed(epoch_seed)
        torch.manual_seed(epoch_seed)  # also seeds every CUDA device

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(
            python=random.getstate(),
            numpy=np.random.get_state(),
            torch=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['rng_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('rng_state')
        if not state:
            return
        py_state = state['python']
        random.setstate((py_state[0], tuple(py_state[1]), py_state[2]))
        np.random.set_state(tuple(state['numpy']))
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
