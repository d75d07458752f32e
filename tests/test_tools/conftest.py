import pytest
from quickstart_helpers import TINY_DATA


@pytest.fixture(scope='session')
def tiny_synthface(tmp_path_factory):
    """A tiny SynthFace set in the native layout (rendered once)."""
    from mmfer.datasets.synthface import generate_layout
    root = tmp_path_factory.mktemp('synthface_tiny')
    generate_layout('synthface', str(root), **TINY_DATA)
    return str(root)
