from .batch_channel_mixing import BatchChannelMixing
from .fer_data_preprocessor import FERDataPreprocessor

__all__ = ['FERDataPreprocessor', 'BatchChannelMixing']
