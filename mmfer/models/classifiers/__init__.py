from .fer_classifier import FERClassifier, build_module

__all__ = ['FERClassifier', 'build_module']
