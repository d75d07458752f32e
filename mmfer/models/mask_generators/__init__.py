from .base_mask_generator import BaseMaskGenerator
from .spatial_mask import SpatialMask

__all__ = ['BaseMaskGenerator', 'SpatialMask']
