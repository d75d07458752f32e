from .masked_vit import MaskedViT
from .mcm import MCM

__all__ = ['MCM', 'MaskedViT']
