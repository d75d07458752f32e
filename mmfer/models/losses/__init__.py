from .soft_focal_loss import FocalLoss, SoftFocalLoss
from .weighted_bce_loss import WeightedBCELoss, au_positive_weights

__all__ = ['WeightedBCELoss', 'au_positive_weights']
__all__ += ['FocalLoss', 'SoftFocalLoss']
