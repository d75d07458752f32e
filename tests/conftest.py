import os

import pytest
import torch

# Two cores on CI machines: keep torch from oversubscribing them.
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(autouse=True)
def _mmfer_scope():
    """Every test runs with mmfer's modules registered and its scope set."""
    from mmfer.utils import register_all_modules
    register_all_modules()
    yield
