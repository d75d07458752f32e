from .channel_projection_vit import ChannelProjectionViT
from .cm_cnn_fen import DepthFEN, TextureFEN
from .prompted_vit import PromptedViT
from .staged_backbones import StagedResNet, StagedViT

__all__ = ['PromptedViT', 'ChannelProjectionViT']
__all__ += ['DepthFEN', 'TextureFEN']
__all__ += ['StagedResNet', 'StagedViT']
