from .fer_classifier import FERClassifier
from .pded_classifier import PDEDClassifier

__all__ = ['FERClassifier']
__all__ += ['PDEDClassifier']
