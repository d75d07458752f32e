from .base_fer_dataset import MODALITY_KEYS, BaseFERDataset
from .synthface_dataset import SynthFaceDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['BaseFERDataset', 'SynthFaceDataset', 'MODALITY_KEYS']
