from .mcm import MCM
from .mcm_vit import MCMViT

__all__ = ['MCM', 'MCMViT']
