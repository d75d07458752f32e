from .cmfn import CMFN
from .concat_pool_fusion import ConcatPoolFusion
from .fusion_baselines import AddFusion, MULTConcatFusion, MULTFusion
from .fusion_bottleneck import FusionBottleneck
from .multimodal_mae_decoders import MultiModalMAEDecoders
from .temporal_adaptor import IntermediateTemporalAdaptor
from .temporal_transformer import MultimodalTemporalTransformer
from .domain_decoupler import DomainClsHead, DomainDecoupler

__all__ = [
    'FusionBottleneck', 'AddFusion', 'MULTFusion', 'MULTConcatFusion',
    'MultimodalTemporalTransformer', 'IntermediateTemporalAdaptor'
]
__all__ += ['MultiModalMAEDecoders']
__all__ += ['CMFN', 'ConcatPoolFusion']
__all__ += ['DomainDecoupler', 'DomainClsHead']
