from .face_overlay import (EXPRESSION_COLORS, draw_face_predictions,
                           expression_color)
from .fer_visualizer import FERVisualizer

__all__ = [
    'FERVisualizer', 'draw_face_predictions', 'expression_color',
    'EXPRESSION_COLORS'
]
