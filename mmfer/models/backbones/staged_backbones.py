"""Backbones whose stages can be run one at a time (for per-stage decoupling).

EMPD's progressive decoupler (Zhong et al., "Expression-aware Masking and
Progressive Decoupling for Cross-database Facial Expression Recognition",
Sec. III-B, Eq. 9) removes a domain feature
after *every* block of the fine-tuning network, so the classifier must run
the backbone stage by stage and edit the feature between stages. Both
adapters here expose the same small interface:

- ``num_stages`` (int) and ``stage_channels`` (tuple of int, the channel
  width of each stage's output);
- ``forward_stem(x)``: the layers before the first stage;
- ``forward_stage(i, x)``: stage ``i`` (0-based);
- ``forward_head(x)``: the last stage's output -> a pooled (B, C) feature.

``forward_head(forward_stage(n - 1, ... forward_stage(0, forward_stem(x))))``
equals the wrapped network's own forward (with its pooling), so weights
trained or pre-trained for the plain network load unchanged.
"""
from typing import Tuple, Union

import torch
from mmpretrain.models import ResNet, VisionTransformer
from mmpretrain.models.utils import resize_pos_embed

from mmfer.registry import MODELS


def _chainable_train(cls):
    """``train()`` / ``eval()`` return the module, as ``nn.Module``'s do
    (mmpretrain's backbones override ``train`` and return None)."""

    def train(self, mode: bool = True):
        super(cls, self).train(mode)
        return self

    cls.train = train
    return cls


def _check_stage_index(backbone, i: int) -> None:
    if not 0 <= i < backbone.num_stages:
        raise IndexError(f'{type(backbone).__name__} has {backbone.num_stages}'
                         f' stages (0..{backbone.num_stages - 1}), got stage '
                         f'{i}.')


@MODELS.register_module()
@_chainable_train
class StagedResNet(ResNet):
    """mmpretrain's ResNet, callable stem-then-stage-by-stage.

    The stem is ``conv1 -> norm1 -> ReLU -> maxpool`` (or the deep stem),
    the stages are ``layer1`` .. ``layer4``, and ``forward_head`` is global
    average pooling, i.e. ``mmpretrain.GlobalAveragePooling`` after the
    plain ResNet. Parameter names equal ``mmpretrain.ResNet``'s, so its
    checkpoints load with ``init_cfg=dict(type='Pretrained', ...)``.

    Args:
        depth (int): 18, 34, 50, 101 or 152. Defaults to 18.
        **kwargs: other ``mmpretrain.ResNet`` arguments, e.g.
            ``stem_channels`` / ``base_channels`` (width; 64 in the
            standard ResNet, smaller for CPU-sized runs), ``num_stages``
            (defaults to 4), ``drop_path_rate``, ``init_cfg``.

    Examples:
        >>> net = StagedResNet(depth=18, stem_channels=8, base_channels=8)
        >>> net.stage_channels
        (8, 16, 32, 64)
        >>> x = net.forward_stem(torch.rand(2, 3, 64, 64))  # (2, 8, 16, 16)
        >>> for i in range(net.num_stages):
        ...     x = net.forward_stage(i, x)
        >>> x.shape, net.forward_head(x).shape
        (torch.Size([2, 64, 2, 2]), torch.Size([2, 64]))
    """

    def __init__(self, depth: int = 18, **kwargs):
        kwargs.setdefault('out_indices', (kwargs.get('num_stages', 4) - 1, ))
        super().__init__(depth=depth, **kwargs)

    @property
    def stage_channels(self) -> Tuple[int, ...]:
        """Output channels of each stage, e.g. (64, 128, 256, 512)."""
        return tuple(
            getattr(self, name)[-1].out_channels for name in self.res_layers)

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, H, W) -> (B, stem_channels, H / 4, W / 4)."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        return self.maxpool(x)

    def forward_stage(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Residual stage ``i``: (B, C_{i-1}, h, w) -> (B, C_i, h', w')."""
        _check_stage_index(self, i)
        return getattr(self, self.res_layers[i])(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """Global average pooling: (B, C, h, w) -> (B, C)."""
        return x.mean(dim=(2, 3))


@MODELS.register_module()
@_chainable_train
class StagedViT(VisionTransformer):
    """mmpretrain's VisionTransformer split into equal groups of blocks.

    With the ViT-B layout (12 blocks) and ``num_stages=4`` the stages are
    blocks 0-2, 3-5, 6-8 and 9-11, EMPD's reading of "each block of the
    network" for its MAE-pre-trained ViT encoder. The stem is the patch
    embedding, the class token, the (resized) position embedding and the
    optional pre-norm; ``forward_head`` applies the final norm (if
    ``final_norm``) and pools the tokens as ``out_type`` says:
    ``'cls_token'`` (B, D) or ``'avg_featmap'`` (mean of the patch tokens,
    then ``ln2``: the MAE fine-tuning recipe with ``final_norm=False``).
    The final norm sits in the head, not in the last stage, so every
    stage's output (what a decoupler sees) is the residual stream.

    Parameter names equal ``mmpretrain.VisionTransformer``'s and hence
    :class:`mmfer.models.selfsup.MaskedViT`'s: an MAE / ESGM pre-trained
    encoder loads with ``init_cfg=dict(type='Pretrained', checkpoint=...,
    prefix='backbone.')`` (the mask generator's weights are not used).

    Args:
        arch (str | dict): as in ``mmpretrain.VisionTransformer``
            (``'b'``, ``'deit-tiny'``, ... or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads``, ``feedforward_channels``).
            Defaults to ``'b'``.
        num_stages (int): groups of blocks; must divide the block count.
            Defaults to 4.
        out_type (str): ``'cls_token'`` or ``'avg_featmap'``. Defaults to
            ``'avg_featmap'``.
        final_norm (bool): LN before pooling. Defaults to False (MAE
            fine-tuning: LN after pooling, ``ln2``).
        **kwargs: other ``VisionTransformer`` arguments (``img_size``,
            ``patch_size``, ``drop_path_rate``, ``init_cfg``, ...).

    Examples:
        >>> vit = StagedViT(arch=dict(embed_dims=32, num_layers=4,
        ...                           num_heads=2, feedforward_channels=64),
        ...                 img_size=32, patch_size=8, num_stages=2)
        >>> x = vit.forward_stem(torch.rand(2, 3, 32, 32))  # (2, 1 + 16, 32)
        >>> x = vit.forward_stage(1, vit.forward_stage(0, x))
        >>> vit.stage_channels, vit.forward_head(x).shape
        ((32, 32), torch.Size([2, 32]))
    """

    POOLED_OUT_TYPES = ('cls_token', 'avg_featmap')

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 num_stages: int = 4,
                 out_type: str = 'avg_featmap',
                 final_norm: bool = False,
                 **kwargs):
        if out_type not in self.POOLED_OUT_TYPES:
            raise ValueError(f'StagedViT: out_type must be one of '
                             f'{self.POOLED_OUT_TYPES} (forward_head returns a'
                             f' pooled (B, C) feature), got {out_type!r}.')
        super().__init__(
            arch=arch, out_type=out_type, final_norm=final_norm, **kwargs)
        if num_stages < 1 or self.num_layers % num_stages:
            raise ValueError(
                f'StagedViT: num_stages={num_stages} must divide the '
                f'{self.num_layers} Transformer blocks of arch {arch!r} '
                '(e.g. 4 stages of 3 blocks for ViT-B).')
        self.num_stages = num_stages
        self.blocks_per_stage = self.num_layers // num_stages

    @property
    def stage_channels(self) -> Tuple[int, ...]:
        """Token width of each stage, (D,) * num_stages."""
        return (self.embed_dims, ) * self.num_stages

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> tokens (B, 1 + N, D) with position embedding."""
        B = x.shape[0]
        tokens, hw = self.patch_embed(x)  # (B, N, D)
        if self.cls_token is not None:
            tokens = torch.cat([self.cls_token.expand(B, -1, -1), tokens],
                               dim=1)  # (B, 1 + N, D)
        tokens = tokens + resize_pos_embed(
            self.pos_embed,
            self.patch_resolution,
            hw,
            mode=self.interpolate_mode,
            num_extra_tokens=self.num_extra_tokens)
        return self.pre_norm(self.drop_after_pos(tokens))

    def forward_stage(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Blocks ``i * k .. (i + 1) * k - 1``: (B, 1 + N, D) -> same."""
        _check_stage_index(self, i)
        k = self.blocks_per_stage
        for layer in self.layers[i * k:(i + 1) * k]:
            x = layer(x)
        return x

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """Final norm and pooling: (B, 1 + N, D) -> (B, D)."""
        if self.final_norm:
            x = self.ln1(x)
        return self._format_output(x, self.patch_resolution)
