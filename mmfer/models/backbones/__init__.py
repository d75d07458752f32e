from .channel_projection_vit import ChannelProjectionViT
from .prompted_vit import PromptedViT
from .staged_backbones import StagedResNet, StagedViT

__all__ = ['PromptedViT', 'ChannelProjectionViT']
__all__ += ['StagedResNet', 'StagedViT']
