from .batch_channel_mixing import BatchChannelMixing
from .fer_data_preprocessor import (FERDataPreprocessor,
                                    build_data_preprocessor)

__all__ = [
    'FERDataPreprocessor', 'build_data_preprocessor', 'BatchChannelMixing'
]
