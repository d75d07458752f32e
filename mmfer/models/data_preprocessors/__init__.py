from .batch_channel_mixing import BatchChannelMixing
from .domain_augment import GaussianBlurDomainAugment
from .fer_data_preprocessor import (FERDataPreprocessor,
                                    build_data_preprocessor)

__all__ = [
    'FERDataPreprocessor', 'build_data_preprocessor', 'BatchChannelMixing'
]
__all__ += ['GaussianBlurDomainAugment']
