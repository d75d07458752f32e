from .au_metric import AUMetric
from .expression_metric import ExpressionMetric, confusion_matrix

__all__ = ['ExpressionMetric', 'confusion_matrix']
__all__ += ['AUMetric']
