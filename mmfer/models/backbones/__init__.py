from .channel_projection_vit import ChannelProjectionViT
from .prompted_vit import PromptedViT

__all__ = ['PromptedViT', 'ChannelProjectionViT']
