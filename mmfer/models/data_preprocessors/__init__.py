from .fer_data_preprocessor import FERDataPreprocessor

__all__ = ['FERDataPreprocessor']
