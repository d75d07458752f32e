from .base_mask_generator import BaseMaskGenerator, MaskResult
from .spatial_mask import SpatialMask

__all__ = ['BaseMaskGenerator', 'MaskResult', 'SpatialMask']
