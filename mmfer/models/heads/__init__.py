from .au_cls_head import AUClsHead
from .cm_cnn_head import CMCNNClsHead
from .multimodal_reconstruction_head import MultiModalReconstructionHead

__all__ = ['AUClsHead', 'MultiModalReconstructionHead']
__all__ += ['CMCNNClsHead']
