from .au_cls_head import AUClsHead
from .mcm_reconstruction_head import MCMReconstructionHead

__all__ = ['AUClsHead', 'MCMReconstructionHead']
