"""The feature extraction networks (FENs) of CM-CNN (Fig. 3)."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmfer.registry import MODELS

#: Default ``init_cfg`` of the FENs: Kaiming convs, BN weights 1.
FEN_INIT_CFG = (dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', layer='BatchNorm2d', val=1.0))


class ConvBNPReLU(nn.Sequential):
    """Conv(k, in, out) (stride 1, 'same' padding) + BN + PReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int):
        super().__init__(
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                padding=kernel_size // 2,
                bias=False), nn.BatchNorm2d(out_channels),
            nn.PReLU(out_channels))


class ResidualConv(nn.Module):
    """An added 3x3 conv layer with a skip connection (Fig. 3b):
    ``PReLU(x + BN(Conv3x3(x)))``."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.act = nn.PReLU(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.bn(self.conv(x)))  # (B, C, H, W)


class BaseFEN(BaseModule):
    """Shared parts of :class:`DepthFEN` and :class:`TextureFEN`.

    Four stages; stage s is ``Conv(k_s, c_{s-1}, c_s) + BN + PReLU``,
    (in the TextureFEN one residual 3x3 conv layer,) then 2x2 max pooling
    (stride 2, floor). Spatial size after the stages: 148 -> 74 -> 37 ->
    18 -> 9, i.e. H_out = floor(H / 16) for any H.
    """

    arch_zoo = {
        # Defaults chosen here (Fig. 3's numbers are not in the text):
        # DeepID-like widths, first kernel 5 on 148 px faces, 9x9x128 out.
        'base': dict(channels=(32, 64, 96, 128), kernel_sizes=(5, 3, 3, 3)),
        # half the early widths (about a quarter of base's compute: 0.48 vs
        # 1.84 GMAC for G + L + D + CMFN at 148 px), 9x9x64 out: the
        # real-time preset of tools/analysis_tools/benchmark_cm_cnn.py
        'small': dict(channels=(16, 32, 48, 64), kernel_sizes=(5, 3, 3, 3)),
        # a narrow variant for CPU experiments and tests
        'tiny': dict(channels=(8, 16, 16, 16), kernel_sizes=(3, 3, 3, 3)),
    }
    residual = False

    def __init__(self,
                 in_channels: int = 1,
                 arch: Union[str, dict] = 'base',
                 channels: Optional[Sequence[int]] = None,
                 kernel_sizes: Optional[Sequence[int]] = None,
                 init_cfg: Optional[Union[dict, Sequence[dict]]] = (
                     FEN_INIT_CFG)):
        if isinstance(init_cfg, tuple):
            init_cfg = [dict(cfg) for cfg in init_cfg]
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        arch = self._arch(arch)
        if channels is not None:
            arch['channels'] = tuple(channels)
        if kernel_sizes is not None:
            arch['kernel_sizes'] = tuple(kernel_sizes)
        channels, kernels = arch['channels'], arch['kernel_sizes']
        if len(channels) != len(kernels) or not channels:
            raise ValueError(f'{name}: channels {channels} and kernel_sizes '
                             f'{kernels} must have one entry per stage.')
        if any(k % 2 == 0 or k < 1 for k in kernels):
            raise ValueError(f'{name}: kernel_sizes must be odd (same '
                             f'padding), got {kernels}')
        if in_channels < 1:
            raise ValueError(f'{name}: in_channels must be >= 1, got '
                             f'{in_channels}')
        self.in_channels = in_channels
        self.channels = tuple(channels)
        self.kernel_sizes = tuple(kernels)
        self.out_channels = self.channels[-1]
        self.num_stages = len(self.channels)
        stages, prev = [], in_channels
        for c, k in zip(self.channels, self.kernel_sizes):
            layers = [ConvBNPReLU(prev, c, k)]
            if self.residual:
                layers.append(ResidualConv(c))
            layers.append(nn.MaxPool2d(2, 2))
            stages.append(nn.Sequential(*layers))
            prev = c
        self.stages = nn.Sequential(*stages)

    @classmethod
    def _arch(cls, arch: Union[str, dict]) -> dict:
        """The arch preset or dict, validated."""
        name = cls.__name__
        if isinstance(arch, str):
            if arch not in cls.arch_zoo:
                raise ValueError(f'{name}: unknown arch {arch!r}; valid '
                                 f'presets are {sorted(cls.arch_zoo)}, or a '
                                 'dict(channels=(...), kernel_sizes=(...)).')
            return dict(cls.arch_zoo[arch])
        if not isinstance(arch, dict):
            raise TypeError(f'{name}: arch must be a preset name or a dict, '
                            f'got {type(arch).__name__}')
        required = {'channels', 'kernel_sizes'}
        if set(arch) != required:
            raise ValueError(f'{name}: a custom arch needs exactly the keys '
                             f'{sorted(required)}, got {sorted(arch)}.')
        return dict(channels=tuple(arch['channels']),
                    kernel_sizes=tuple(arch['kernel_sizes']))

    def output_size(self, size: Tuple[int, int]) -> Tuple[int, int]:
        """(h, w) of the output map for an (H, W) input."""
        h, w = size
        for _ in range(self.num_stages):
            h, w = h // 2, w // 2
        return h, w

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        """(B, in_channels, H, W) -> ``(f, )``, f (B, C, H/16, W/16)."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__}(in_channels='
                             f'{self.in_channels}) got input of shape '
                             f'{tuple(x.shape)}; expected (B, '
                             f'{self.in_channels}, H, W).')
        if min(x.shape[2:]) < 2**self.num_stages:
            raise ValueError(f'{type(self).__name__}: input {tuple(x.shape)}'
                             f' is smaller than 2^{self.num_stages} pixels '
                             'on a side (one 2x2 max pooling per stage).')
        return (self.stages(x), )


@MODELS.register_module()
class DepthFEN(BaseFEN):
    """The shallow FEN for depth images (CM-CNN Fig. 3a).

    Ni et al., "Facial Expression Recognition Through Cross-Modality
    Attention Fusion", IEEE TCDS 2023, Sec. III-C: "similar to DeepID
    ... four convolutional layers, and each convolutional layer is
    followed by batch normalization, PReLU activation, and max pooling".

    Fig. 3's channel numbers and kernels are not in the text; the
    ``'base'`` preset (chosen here) is Conv(5, in, 32), Conv(3, 32, 64),
    Conv(3, 64, 96), Conv(3, 96, 128) with 'same' padding and 2x2 max
    pooling: a 148x148 face gives a (128, 9, 9) map, the same as
    :class:`TextureFEN` (the CMFN needs equal (C, H, W) per modality).
    PReLU has one slope per channel.

    Args:
        in_channels (int): input channels (1 for depth). Defaults to 1.
        arch (str | dict): ``'base'``, ``'small'`` (channels (16, 32, 48,
            64): the real-time preset), ``'tiny'`` (channels (8, 16, 16,
            16), 3x3 kernels), or ``dict(channels=(...),
            kernel_sizes=(...))`` (odd kernels). Defaults to 'base'.
        channels (Sequence[int], optional): overrides the arch's channels.
        kernel_sizes (Sequence[int], optional): overrides its kernels.
        init_cfg (dict | list, optional): defaults to Kaiming convs and
            BN weights 1. For face-recognition pre-trained weights (Sec.
            IV-B) use ``dict(type='Pretrained', checkpoint=...)`` with a
            file from ``tools/model_converters/face_recognition2fen.py``.

    Returns:
        tuple[torch.Tensor]: one (B, C, floor(H/16), floor(W/16)) map.

    Examples:
        >>> fen = DepthFEN()
        >>> fen(torch.rand(1, 1, 148, 148))[0].shape
        torch.Size([1, 128, 9, 9])
    """


@MODELS.register_module()
class TextureFEN(BaseFEN):
    """The deeper FEN for gray-scale and LBP images (CM-CNN Fig. 3b).

    Ni et al., "Facial Expression Recognition Through Cross-Modality
    Attention Fusion", IEEE TCDS 2023, Sec. III-C: the depth FEN "is
    deepened by adding four convolutional layers. Skip connections are
    used to avoid the problem of vanishing gradient."

    Here (Fig. 3's layout is not in the text): each of the four
    :class:`DepthFEN` stages gets one added 3x3 conv layer with a skip
    connection, ``PReLU(x + BN(Conv(3, c, c)(x)))``, before its max
    pooling: eight conv layers in all, the same widths, kernels and
    output ((128, 9, 9) for a 148x148 face with the ``'base'`` preset) as
    :class:`DepthFEN`.

    Args:
        in_channels (int): input channels (1 for gray or LBP). Defaults
            to 1.
        arch (str | dict): as :class:`DepthFEN`. Defaults to 'base'.
        channels (Sequence[int], optional): overrides the arch's channels.
        kernel_sizes (Sequence[int], optional): overrides its kernels
            (of the first conv of each stage; the added ones are 3x3).
        init_cfg (dict | list, optional): as :class:`DepthFEN`.

    Returns:
        tuple[torch.Tensor]: one (B, C, floor(H/16), floor(W/16)) map.

    Examples:
        >>> fen = TextureFEN(arch='tiny')
        >>> fen(torch.rand(1, 1, 148, 148))[0].shape
        torch.Size([1, 16, 9, 9])
    """
    residual = True
