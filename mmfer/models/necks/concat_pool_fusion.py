"""Concatenation fusion of modality feature maps with max + avg pooling."""
from typing import List, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule

from mmfer.registry import MODELS

POOLS = ('max', 'avg')


def check_pool(pool: Sequence[str], owner: str) -> Tuple[str, ...]:
    """Validate a ``pool=`` argument (non-empty, from ``('max', 'avg')``)."""
    pool = (pool, ) if isinstance(pool, str) else tuple(pool)
    if not pool or any(p not in POOLS for p in pool) or \
            len(set(pool)) != len(pool):
        raise ValueError(f'{owner}: pool must be distinct entries of '
                         f'{POOLS}, got {pool}')
    return pool


def global_pool(x: torch.Tensor, pool: Sequence[str]) -> torch.Tensor:
    """Global max / average pooling, concatenated in ``pool`` order.

    CM-CNN Sec. III-D vectorises each embedding with "both max-pooling and
    average-pooling" (after CBAM, Woo et al., ECCV 2018).

    Args:
        x (torch.Tensor): (B, C, H, W) map.
        pool (Sequence[str]): e.g. ``('max', 'avg')``.

    Returns:
        torch.Tensor: (B, len(pool) * C).

    Examples:
        >>> global_pool(torch.rand(2, 8, 3, 5), ('max', 'avg')).shape
        torch.Size([2, 16])
    """
    flat = x.flatten(2)  # (B, C, H*W)
    out = [flat.amax(dim=2) if p == 'max' else flat.mean(dim=2)
           for p in pool]  # each (B, C)
    return torch.cat(out, dim=1)  # (B, len(pool) * C)


def as_map_list(feats: Union[torch.Tensor, Sequence], owner: str,
                num: int = None) -> List[torch.Tensor]:
    """The (B, C, H, W) maps of a sequence of modality features.

    An entry may be a backbone output tuple (its last map is used).
    """
    if isinstance(feats, torch.Tensor):
        raise TypeError(f'{owner} takes a sequence of per-modality maps '
                        '(one per backbone), not a single tensor.')
    maps = [f[-1] if isinstance(f, (tuple, list)) else f for f in feats]
    if num is not None and len(maps) != num:
        raise ValueError(f'{owner}(num_modalities={num}) got {len(maps)} '
                         'maps; set num_modalities to the number of '
                         'model.modalities.')
    for i, m in enumerate(maps):
        if not isinstance(m, torch.Tensor) or m.dim() != 4:
            raise ValueError(f'{owner}: modality {i} is not a (B, C, H, W) '
                             f'map (got {getattr(m, "shape", type(m))}).')
    return maps


@MODELS.register_module()
class ConcatPoolFusion(BaseModule):
    """Concatenate the modality maps, then global max + avg pooling.

    The "G + L + D" baseline of CM-CNN Table II (Ni et al., "Facial
    Expression Recognition Through Cross-Modality Attention Fusion", IEEE
    TCDS 2023): features fused "by concatenation" instead of the CMFN,
    vectorised with the same max- and average-pooling. Channel numbers may
    differ between modalities; the spatial sizes must agree.

    Args:
        pool (Sequence[str]): poolings, concatenated in this order.
            Defaults to ``('max', 'avg')``.

    Inputs: a sequence of M (B, C_i, H, W) maps (entries may be backbone
    output tuples; their last map is used).

    Returns:
        tuple[torch.Tensor]: ``(f_v, )`` with f_v (B, len(pool) * sum C_i)
        (with equal C: (B, 2 * M * C)).

    Examples:
        >>> neck = ConcatPoolFusion()
        >>> neck([torch.rand(2, 8, 4, 4)] * 3)[0].shape
        torch.Size([2, 48])
    """

    def __init__(self, pool: Sequence[str] = ('max', 'avg'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.pool = check_pool(pool, 'ConcatPoolFusion')

    def forward(self, feats: Sequence[torch.Tensor]) -> Tuple[torch.Tensor]:
        maps = as_map_list(feats, 'ConcatPoolFusion')
        sizes = {tuple(m.shape[2:]) for m in maps}
        if len(sizes) > 1:
            raise ValueError('ConcatPoolFusion: the modality maps differ in '
                             f'spatial size {sorted(sizes)}; the backbones '
                             'must end at the same resolution.')
        x = torch.cat(maps, dim=1)  # (B, sum C_i, H, W)
        return (global_pool(x, self.pool), )

    def extra_repr(self) -> str:
        return f'pool={self.pool}'
