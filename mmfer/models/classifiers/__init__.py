from .fer_classifier import FERClassifier
from .pded_classifier import PDEDClassifier
from .multimodal_fer_classifier import MultiModalFERClassifier

__all__ = ['FERClassifier']
__all__ += ['MultiModalFERClassifier']
__all__ += ['PDEDClassifier']
