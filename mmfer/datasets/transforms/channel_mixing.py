"""MCM's Channel-Mixing as a per-sample data transform."""
from typing import Dict, Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.utils.channel_mixing import (apply_channel_selection,
                                       check_channel_mixing_args,
                                       sample_channel_selection)


@TRANSFORMS.register_module()
class ChannelMixing(BaseTransform):
    """Drop ``C - num_kept`` random channels per patch and shuffle the rest.

    Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
    AutoEncoder on Facial Action Unit Detection", WACV 2024, Sec. 3.1 and
    Fig. 1: the RGB + Depth + Thermal image (H x W x 5) or RGB + Depth
    (H x W x 4) is split into P x P patches (P = the ViT patch size); in
    every patch, independently, C - 3 channels are dropped and the
    remaining 3 are randomly ordered, giving an H x W x 3 image for an
    ImageNet-style ViT. With C == ``num_kept`` only the order is shuffled.
    The selection is vectorised (see
    :mod:`mmfer.utils.channel_mixing`, shared with the batched
    :class:`mmfer.models.data_preprocessors.BatchChannelMixing`).

    Randomness: with ``seed=None`` the draw uses torch's global RNG, which
    mmengine seeds per dataloader worker (and mmfer's ``RandomStateHook``
    per epoch), i.e. a new mixing each time a sample is loaded (training).
    With an int ``seed`` a sample's mixing depends only on ``(seed,
    sample_idx)``: evaluation of a channel-mixed input is reproducible and
    independent of worker count and order.

    **Required Keys:** ``img`` (H, W, C) with C >= ``num_kept``;
    ``sample_idx`` when ``seed`` is set (else a running counter is used).

    **Modified Keys:** ``img`` -> (H, W, num_kept), same dtype;
    ``channel_names`` (if present) -> ``('mix0', 'mix1', ...)``.

    **Added Keys:** ``channel_selection`` (h, w, num_kept) int64: source
    channel of every output channel of every patch; ``mixed_channel_names``:
    the input channel names the selection indexes.

    Args:
        patch_size (int): P; must divide H and W. Defaults to 16.
        num_kept (int): output channels. Defaults to 3.
        in_channels (int, optional): expected C (5 for RGBDT, 4 for RGBD);
            a different C raises an error naming the loaded channels.
            Defaults to None (any C >= num_kept).
        seed (int, optional): see "Randomness". Defaults to None.

    Examples:
        >>> t = ChannelMixing(patch_size=16, in_channels=5)
        >>> out = t(dict(img=np.zeros((64, 64, 5), np.uint8)))
        >>> out['img'].shape, out['channel_selection'].shape
        ((64, 64, 3), (4, 4, 3))
    """

    def __init__(self,
                 patch_size: int = 16,
                 num_kept: int = 3,
                 in_channels: Optional[int] = None,
                 seed: Optional[int] = None):
        if in_channels is not None and in_channels < num_kept:
            raise ValueError(f'in_channels ({in_channels}) must be >= '
                             f'num_kept ({num_kept})')
        if patch_size <= 0:
            raise ValueError(f'patch_size must be positive, got {patch_size}')
        self.patch_size = patch_size
        self.num_kept = num_kept
        self.in_channels = in_channels
        self.seed = seed
        self._count = 0

    def _generator(self, results: Dict) -> Optional[torch.Generator]:
        if self.seed is None:
            return None
        idx = results.get('sample_idx')
        if idx is None:
            idx, self._count = self._count, self._count + 1
        state = np.random.SeedSequence([self.seed, int(idx)]).generate_state(1)
        return torch.Generator().manual_seed(int(state[0]))

    def transform(self, results: Dict) -> Dict:
        img = results['img']
        if img.ndim != 3:
            raise ValueError(f'ChannelMixing expects an (H, W, C) image, got '
                             f'shape {img.shape}')
        H, W, C = img.shape
        names = results.get('channel_names')
        if self.in_channels is not None and C != self.in_channels:
            raise ValueError(
                f'ChannelMixing(in_channels={self.in_channels}) got a '
                f'{C}-channel image (channels {names}). Load the matching '
                "modalities (5 = ('rgb', 'depth', 'thermal'), 4 = ('rgb', "
                "'depth')) or change in_channels.")
        grid = check_channel_mixing_args(C, self.num_kept, H, W,
                                         self.patch_size)
        selection = sample_channel_selection(1, grid, C, self.num_kept,
                                             self._generator(results))
        x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)
        mixed = apply_channel_selection(x[None], selection,
                                        self.patch_size)  # (1, K, H, W)
        results['img'] = mixed[0].permute(1, 2, 0).numpy()  # (H, W, K)
        results['channel_selection'] = selection[0].numpy()  # (h, w, K)
        if names is not None:
            results['mixed_channel_names'] = tuple(names)
            results['channel_names'] = tuple(
                f'mix{i}' for i in range(self.num_kept))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(patch_size={self.patch_size}, '
                f'num_kept={self.num_kept}, in_channels={self.in_channels}, '
                f'seed={self.seed})')
