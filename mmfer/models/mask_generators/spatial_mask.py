"""Uniform random patch masking (MCM Sec. 3.2, MAE Sec. 3)."""
from typing import List, Optional

import torch

from mmfer.registry import MODELS
from .base_mask_generator import BaseMaskGenerator


@MODELS.register_module()
class SpatialMask(BaseMaskGenerator):
    """Mask a uniformly random subset of patches of every sample.

    Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
    AutoEncoder on Facial Action Unit Detection", WACV 2024, Sec. 3.2:
    "Patches are randomly removed based on a uniform distribution"; the
    supplementary (Fig. 1b) finds a 50% ratio best, hence the default
    (MAE's default is 75%). Selection as in MAE: sort i.i.d. uniform noise,
    keep the lowest ``int(L * (1 - mask_ratio))``.

    Args:
        mask_ratio (float): fraction of masked patches. Defaults to 0.5.

    It learns nothing and ignores the data samples: its
    :class:`~.MaskResult` has no losses.

    Examples:
        >>> gen = SpatialMask(mask_ratio=0.5)
        >>> res = gen(torch.rand(2, 16, 32))
        >>> res.kept.shape, res.mask.shape, res.ids_restore.shape, res.losses
        (torch.Size([2, 8, 32]), torch.Size([2, 16]), torch.Size([2, 16]), {})
    """

    def __init__(self, mask_ratio: float = 0.5, **kwargs):
        super().__init__(mask_ratio=mask_ratio, **kwargs)

    def scores(self, tokens: torch.Tensor,
               data_samples: Optional[List] = None) -> torch.Tensor:
        """i.i.d. U(0, 1) noise, (B, L); torch's global RNG."""
        B, L, _ = tokens.shape
        return torch.rand(B, L, device=tokens.device)
