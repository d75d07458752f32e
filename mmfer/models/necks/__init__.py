from .fusion_baselines import AddFusion, MULTConcatFusion, MULTFusion
from .fusion_bottleneck import FusionBottleneck
from .mcm_decoders import MCMDecoders
from .temporal_transformer import MultimodalTemporalTransformer

__all__ = [
    'FusionBottleneck', 'AddFusion', 'MULTFusion', 'MULTConcatFusion',
    'MultimodalTemporalTransformer'
]
__all__ += ['MCMDecoders']
