from .au_pos_weight_hook import AUPosWeightHook
from .mask_visualization_hook import MaskVisualizationHook
from .mcm_reconstruction_hook import MCMReconstructionHook
from .random_state_hook import RandomStateHook
from .visualization_hook import FERVisualizationHook

__all__ = ['RandomStateHook', 'FERVisualizationHook']
__all__ += ['AUPosWeightHook', 'MCMReconstructionHook']
__all__ += ['MaskVisualizationHook']
