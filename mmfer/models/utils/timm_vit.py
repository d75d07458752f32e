"""Key mapping of timm-layout ViT checkpoints to mmpretrain's ViT modules.

MAE (facebookresearch/mae), MAE-Face and AudioMAE checkpoints store a timm
``VisionTransformer`` (under ``ckpt['model']``); mmfer's ViT encoders use
mmpretrain's modules (:class:`~mmfer.models.backbones.PromptedViT`,
``mmpretrain.VisionTransformer``).
"""
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Tuple

import torch

# timm key pattern -> mmpretrain key template
_TIMM_TO_MMPRETRAIN = (
    (r'^cls_token$', 'cls_token'),
    (r'^pos_embed$', 'pos_embed'),
    (r'^patch_embed\.proj\.(weight|bias)$', r'patch_embed.projection.\1'),
    (r'^blocks\.(\d+)\.norm1\.(weight|bias)$', r'layers.\1.ln1.\2'),
    (r'^blocks\.(\d+)\.attn\.qkv\.(weight|bias)$', r'layers.\1.attn.qkv.\2'),
    (r'^blocks\.(\d+)\.attn\.proj\.(weight|bias)$',
     r'layers.\1.attn.proj.\2'),
    (r'^blocks\.(\d+)\.norm2\.(weight|bias)$', r'layers.\1.ln2.\2'),
    (r'^blocks\.(\d+)\.mlp\.fc1\.(weight|bias)$',
     r'layers.\1.ffn.layers.0.0.\2'),
    (r'^blocks\.(\d+)\.mlp\.fc2\.(weight|bias)$',
     r'layers.\1.ffn.layers.1.\2'),
    (r'^norm\.(weight|bias)$', r'ln1.\1'),
)

# MAE decoders, mask token and classification heads are not encoder weights
MAE_IGNORED_PREFIXES = ('decoder_', 'mask_token', 'head.', 'fc_norm.')


def convert_timm_vit(
        state_dict: Dict[str, torch.Tensor],
        ignored_prefixes: Iterable[str] = MAE_IGNORED_PREFIXES
) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Rename the encoder keys of a timm ViT state dict to mmpretrain's.

    Args:
        state_dict (dict): timm keys (``cls_token``, ``pos_embed``,
            ``patch_embed.proj.*``, ``blocks.N.{norm1,attn.qkv,attn.proj,
            norm2,mlp.fc1,mlp.fc2}.*``, ``norm.*``).
        ignored_prefixes (Iterable[str]): keys to drop (decoder etc.).

    Returns:
        tuple: the converted state dict and the list of dropped keys.

    Raises:
        KeyError: for a key that is neither mapped nor ignored.

    Examples:
        >>> import torch
        >>> sd, dropped = convert_timm_vit(
        ...     {'cls_token': torch.zeros(1, 1, 8),
        ...      'patch_embed.proj.weight': torch.zeros(8, 3, 16, 16),
        ...      'blocks.0.mlp.fc1.weight': torch.zeros(32, 8),
        ...      'decoder_embed.weight': torch.zeros(4, 8)})
        >>> sorted(sd), dropped
        (['cls_token', 'layers.0.ffn.layers.0.0.weight', 'patch_embed.projection.weight'], ['decoder_embed.weight'])
    """
    ignored_prefixes = tuple(ignored_prefixes)
    converted, dropped, unknown = {}, [], []
    for key, value in state_dict.items():
        for pattern, template in _TIMM_TO_MMPRETRAIN:
            if re.match(pattern, key):
                converted[re.sub(pattern, template, key)] = value
                break
        else:
            if key.startswith(ignored_prefixes):
                dropped.append(key)
            else:
                unknown.append(key)
    if unknown:
        raise KeyError(f'Unknown keys in the timm ViT checkpoint: {unknown}. '
                       'Expected cls_token, pos_embed, patch_embed.proj.*, '
                       'blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,'
                       'mlp.fc2}.*, norm.* (and decoder keys, ignored).')
    if 'cls_token' not in converted or 'patch_embed.projection.weight' \
            not in converted:
        raise KeyError('The checkpoint has no ViT encoder (cls_token / '
                       'patch_embed.proj.weight missing); keys: '
                       f'{sorted(state_dict)[:10]}...')
    return converted, dropped


def load_timm_state_dict(path: str, trust: bool = False,
                         tool: Optional[str] = None) -> dict:
    """The model weights of a timm/MAE-style checkpoint file.

    Accepts ``{'model': sd}`` (MAE, MAE-Face, AudioMAE), ``{'state_dict':
    sd}`` or a bare state dict. Loaded with ``weights_only=True``
    (:func:`mmfer.utils.safe_torch_load`) unless ``trust`` opts in to full
    unpickling of this one file.

    Args:
        tool (str, optional): the converter script calling this (its
            ``__file__``); a refused pickle then names that tool's own
            opt-in flag, ``--trust``.
    """
    from mmfer.utils import safe_torch_load, trust_checkpoints
    hint = None
    if tool is not None:
        hint = (f'rerun with --trust: python tools/model_converters/'
                f'{osp.basename(tool)} {path} ... --trust')
    if trust:
        with trust_checkpoints([path]):
            ckpt = safe_torch_load(path, map_location='cpu')
    else:
        ckpt = safe_torch_load(path, map_location='cpu', opt_in_hint=hint)
    for key in ('model', 'state_dict'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            return ckpt[key]
    return ckpt


def resize_grid_pos_embed(pos_embed: torch.Tensor, src_grid: Tuple[int, int],
                          dst_grid: Tuple[int, int]) -> torch.Tensor:
    """Bicubic resize of a (1, 1 + H*W, D) position embedding, cls row kept.

    Examples:
        >>> resize_grid_pos_embed(torch.rand(1, 1 + 64 * 8, 4), (64, 8),
        ...                       (32, 8)).shape
        torch.Size([1, 257, 4])
    """
    from mmpretrain.models.utils import resize_pos_embed
    src_grid, dst_grid = tuple(src_grid), tuple(dst_grid)
    n = pos_embed.shape[1] - 1
    if n != src_grid[0] * src_grid[1]:
        raise ValueError(f'pos_embed has {n} grid tokens, not '
                         f'{src_grid[0]}x{src_grid[1]}.')
    return resize_pos_embed(pos_embed, src_grid, dst_grid, 'bicubic', 1)
