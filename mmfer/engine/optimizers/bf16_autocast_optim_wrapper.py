"""Mixed precision on CPU: bfloat16 autocast (mmengine's AMP is GPU-only)."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmfer.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` that runs forward passes under bfloat16 autocast.

    mmengine's ``AmpOptimWrapper`` refuses to run without a GPU/NPU/MLU.
    ``tools/train.py --amp`` uses this wrapper on machines without CUDA.
    bfloat16 has float32's exponent range, so no loss scaling is needed.
    On CPUs without native bf16 units it is much slower than float32: it
    exists for correctness checks and bf16-capable CPUs, and is never the
    default.

    Args:
        device_type (str): autocast device. Defaults to ``'cpu'``.
        **kwargs: see :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self, device_type: str = 'cpu', **kwargs):
        super().__init__(**kwargs)
        self.device_type = device_type

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type=self.device_type, dtype=torch.bfloat16):
            yield
