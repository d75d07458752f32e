from .base_mask_generator import BaseMaskGenerator, MaskResult
from .esgm import ESGM
from .spatial_mask import SpatialMask

__all__ = ['BaseMaskGenerator', 'MaskResult', 'SpatialMask', 'ESGM']
