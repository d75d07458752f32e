from .au_cls_head import AUClsHead
from .multimodal_reconstruction_head import MultiModalReconstructionHead

__all__ = ['AUClsHead', 'MultiModalReconstructionHead']
