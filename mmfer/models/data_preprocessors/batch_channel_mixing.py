"""MCM's Channel-Mixing on a whole batch (GPU/CPU tensors)."""
from typing import List, Optional, Tuple

import torch
from torch import nn

from mmfer.registry import MODELS
from mmfer.utils.channel_mixing import (apply_channel_selection,
                                       check_channel_mixing_args,
                                       sample_channel_selection)


@MODELS.register_module()
class BatchChannelMixing(nn.Module):
    """Patch-wise channel dropping and shuffling of a (B, C, H, W) batch.

    Zhang et al., "Multimodal Channel-Mixing", WACV 2024, Sec. 3.1 / Fig. 1;
    the batched counterpart of the transform
    :class:`mmfer.datasets.transforms.ChannelMixing` (same selection
    rule, :mod:`mmfer.utils.channel_mixing`), cheaper on large
    batches and on the model's device. Two uses:

    - inside the MCM pre-training model (:class:`mmfer.models.selfsup.MCM`),
      which needs the un-mixed channels as reconstruction targets;
    - as a ``batch_augments`` entry of ``FERDataPreprocessor`` (training
      only: the preprocessor skips batch augments at test time, so a
      channel-mixed *evaluation* should use the per-sample transform with
      a ``seed`` instead).

    Args:
        patch_size (int): P (the ViT patch size). Defaults to 16.
        num_kept (int): output channels. Defaults to 3.
        in_channels (int, optional): expected C; None accepts any
            C >= num_kept.

    Examples:
        >>> cm = BatchChannelMixing(patch_size=8)
        >>> mixed, samples = cm(torch.rand(2, 5, 32, 32), None)
        >>> mixed.shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(self,
                 patch_size: int = 16,
                 num_kept: int = 3,
                 in_channels: Optional[int] = None):
        super().__init__()
        self.patch_size = patch_size
        self.num_kept = num_kept
        self.in_channels = in_channels

    def mix(self,
            imgs: torch.Tensor,
            generator: Optional[torch.Generator] = None
            ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Mix a batch; returns (mixed (B, K, H, W), selection (B, h, w, K))."""
        if imgs.dim() != 4:
            raise ValueError('BatchChannelMixing expects (B, C, H, W), got '
                             f'{tuple(imgs.shape)}')
        B, C, H, W = imgs.shape
        if self.in_channels is not None and C != self.in_channels:
            raise ValueError(
                f'BatchChannelMixing(in_channels={self.in_channels}) got a '
                f'{C}-channel batch; check the modalities the pipeline loads.')
        grid = check_channel_mixing_args(C, self.num_kept, H, W,
                                         self.patch_size)
        selection = sample_channel_selection(B, grid, C, self.num_kept,
                                             generator, imgs.device)
        return apply_channel_selection(imgs, selection,
                                       self.patch_size), selection

    def forward(self, inputs: torch.Tensor,
                data_samples: Optional[List] = None):
        """``batch_augments`` interface: ``inputs, data_samples``."""
        return self.mix(inputs)[0], data_samples

    def extra_repr(self) -> str:
        return (f'patch_size={self.patch_size}, num_kept={self.num_kept}, '
                f'in_channels={self.in_channels}')
