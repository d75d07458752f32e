from mmfer.utils.channel_mixing import (apply_channel_selection,
                                       channel_mixing,
                                       check_channel_mixing_args,
                                       sample_channel_selection)
from .build import build_module
from .cpu_chunk_parallel import CPUChunkParallel, chunk_bounds
from .fusion import as_groups, check_pair, down_projections, up_projections
from .masking import mask_by_scores, num_kept_tokens
from .patch_ops import patch_grid, patchify, unpatchify
from .pos_embed import sincos_pos_embed
from .pretrained import check_pretrained_checkpoints
from .timm_vit import (convert_timm_vit, load_timm_state_dict,
                       resize_grid_pos_embed)

__all__ = [
    'patch_grid', 'patchify', 'unpatchify', 'sincos_pos_embed',
    'mask_by_scores', 'num_kept_tokens', 'channel_mixing',
    'sample_channel_selection', 'apply_channel_selection',
    'check_channel_mixing_args', 'check_pretrained_checkpoints',
    'convert_timm_vit', 'load_timm_state_dict', 'resize_grid_pos_embed',
    'build_module', 'as_groups', 'check_pair', 'down_projections',
    'up_projections', 'CPUChunkParallel', 'chunk_bounds'
]
