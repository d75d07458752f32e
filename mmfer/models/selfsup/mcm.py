"""MCM: channel-mixing masked autoencoder pre-training (RGB + D + T)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from torch import nn

from mmfer.models.utils import (apply_channel_selection, build_module,
                                check_pretrained_checkpoints, patch_grid,
                                unpatchify)
from mmfer.registry import MODELS
from mmfer.structures import MODALITY_CHANNELS, FERDataSample
from mmfer.structures.modalities import channel_slices, check_modalities
from ..data_preprocessors import build_data_preprocessor


@MODELS.register_module()
class MCM(BaseModel):
    """Multimodal Channel-Mixing masked autoencoder.

    Zhang et al., "Multimodal Channel-Mixing: Channel and Spatial Masked
    AutoEncoder on Facial Action Unit Detection", WACV 2024
    (https://arxiv.org/abs/2209.12244), Fig. 2:

    1. the fused RGB + Depth + Thermal batch (B, 5, H, W) goes through
       Channel-Mixing (Sec. 3.1), giving (B, 3, H, W);
    2. the ViT encoder (Sec. 3.3, :class:`MaskedViT`) embeds the
       patches, masks a random 50% (Sec. 3.2) and encodes the visible
       ones;
    3. one decoder per modality (Sec. 3.4, :class:`~mmfer.models.necks.
       MultiModalMAEDecoders`) reconstructs that modality's pixels from
       the shared encoding;
    4. the loss is Eq. 3, the sum of per-modality MSE on masked patches
       (:class:`~mmfer.models.heads.MultiModalReconstructionHead`), logged
       as ``loss_rgb``, ``loss_depth``, ``loss_thermal``.

    The encoder's mask generator sees the data samples; a learned one
    (e.g. EMPD's parsing-supervised ESGM) returns loss terms of its own
    (e.g. ``loss_mask``), which are added to the loss dict beside Eq. 3's.

    The channel layout of the input follows ``modalities`` (3 channels for
    ``'rgb'``, 1 for ``'depth'`` and ``'thermal'``, in that order), as
    ``LoadFaceModalities(modalities=...)`` stacks them. ``modalities``
    also selects the decoders, so RGB-only pre-training builds one
    decoder; Table 4's variants are configs: ``channel_mixing=None``
    (CM off, RGB MAE), RGB+D (``modalities=('rgb', 'depth')``), RGB+D+T.

    Args:
        backbone (dict | nn.Module): the masked encoder, e.g.
            ``dict(type='MaskedViT', arch='b', patch_size=16)``.
        neck (dict | nn.Module): the decoders, e.g.
            ``dict(type='MultiModalMAEDecoders', ...)``; ``modalities`` is
            filled in from this model's when absent.
        head (dict | nn.Module): the loss, e.g.
            ``dict(type='MultiModalReconstructionHead', patch_size=16)``.
        modalities (Sequence[str]): channel groups of the input and
            reconstructed modalities. Defaults to ``('rgb', 'depth',
            'thermal')``.
        channel_mixing (dict | nn.Module, optional): e.g.
            ``dict(type='BatchChannelMixing', patch_size=16, num_kept=3)``;
            None feeds the input unmixed (it must then have the encoder's
            channel count).
        data_preprocessor (dict, optional): defaults to
            ``dict(type='FERDataPreprocessor')``.
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> tiny = dict(embed_dims=32, num_layers=1, num_heads=2,
        ...             feedforward_channels=64)
        >>> model = MCM(
        ...     backbone=dict(type='MaskedViT', arch=tiny, img_size=32,
        ...                   patch_size=8),
        ...     neck=dict(type='MultiModalMAEDecoders', num_patches=16,
        ...               patch_size=8, embed_dim=32, decoder_embed_dim=32,
        ...               decoder_num_heads=2,
        ...               decoder_depths=dict(rgb=1, depth=1, thermal=1)),
        ...     head=dict(type='MultiModalReconstructionHead', patch_size=8),
        ...     channel_mixing=dict(type='BatchChannelMixing', patch_size=8))
        >>> sorted(model(torch.rand(2, 5, 32, 32), mode='loss'))
        ['loss_depth', 'loss_rgb', 'loss_thermal']
    """

    def __init__(self,
                 backbone: Union[dict, nn.Module],
                 neck: Union[dict, nn.Module],
                 head: Union[dict, nn.Module],
                 modalities: Sequence[str] = ('rgb', 'depth', 'thermal'),
                 channel_mixing: Optional[Union[dict, nn.Module]] = dict(
                     type='BatchChannelMixing', patch_size=16, num_kept=3),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            init_cfg=init_cfg,
            data_preprocessor=build_data_preprocessor(data_preprocessor))
        self.modalities = check_modalities(modalities, owner='MCM')
        self.channel_slices = channel_slices(self.modalities)
        self.in_channels = sum(MODALITY_CHANNELS[m] for m in self.modalities)

        if isinstance(neck, dict):
            neck = dict(neck)
            neck.setdefault('modalities', self.modalities)
        self.backbone = build_module(backbone)
        self.neck = build_module(neck)
        self.head = build_module(head)
        self.channel_mixing = build_module(channel_mixing)
        self._check_consistency()

    def _check_consistency(self) -> None:
        missing = set(self.neck.modalities) - set(self.modalities)
        if missing:
            raise ValueError(
                f'MCM: the neck reconstructs {sorted(missing)}, which is not '
                f'among the input modalities {self.modalities}.')
        sizes = {'backbone': self.backbone.patch_embed.projection.stride[0],
                 'neck': self.neck.patch_size, 'head': self.head.patch_size}
        if self.channel_mixing is not None:
            sizes['channel_mixing'] = self.channel_mixing.patch_size
        if len(set(sizes.values())) > 1:
            raise ValueError(f'MCM: patch sizes differ: {sizes}; Channel-'
                             'Mixing must act on the ViT patches.')

    def init_weights(self) -> None:
        """Fail early and clearly if a pre-trained file is missing."""
        check_pretrained_checkpoints(self)
        super().init_weights()

    # ------------------------------------------------------------------
    def _split_and_mix(self, inputs: torch.Tensor, generator=None):
        if inputs.dim() != 4 or inputs.shape[1] != self.in_channels:
            raise ValueError(
                f'MCM with modalities {self.modalities} expects (B, '
                f'{self.in_channels}, H, W) inputs, got {tuple(inputs.shape)}'
                '. Load the same modalities in the pipeline '
                '(LoadFaceModalities) as in the model.')
        targets = {m: inputs[:, s] for m, s in self.channel_slices.items()}
        if self.channel_mixing is None:
            return inputs, None, targets
        mixed, selection = self.channel_mixing.mix(inputs, generator)
        return mixed, selection, targets

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[FERDataSample]] = None,
                mode: str = 'tensor'):
        """mmengine modes: ``'loss'`` (Eq. 3 terms), ``'tensor'`` (encoder
        output of the masked, mixed input) and ``'predict'`` (data samples
        with reconstructions, see :meth:`reconstruct`)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            mixed, _, _ = self._split_and_mix(inputs)
            return self.backbone(mixed, data_samples=data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; use "tensor", "loss" or '
                           '"predict".')

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List[FERDataSample]] = None
             ) -> Dict[str, torch.Tensor]:
        """Eq. 3: ``loss_<modality>`` for every reconstructed modality,
        plus the mask generator's own terms (none for ``SpatialMask``).

        Args:
            inputs (torch.Tensor): (B, C, H, W) normalised fused images.
            data_samples (list, optional): passed to the mask generator
                (labels are not used: self-supervised).
        """
        mixed, _, targets = self._split_and_mix(inputs)
        latent, mask, ids_restore, mask_losses = self.backbone(
            mixed, data_samples=data_samples)  # latent: (B, 1 + K, D)
        preds = self.neck(latent, ids_restore)  # m -> (B, L, P*P*C_m)
        losses = self.head.loss(preds, targets, mask)
        clash = sorted(set(losses) & set(mask_losses))
        if clash:
            raise ValueError(f'MCM: the mask generator returns {clash}, '
                             'which the reconstruction head also returns; '
                             "name the generator's terms e.g. 'loss_mask'.")
        losses.update(mask_losses)
        return losses

    @torch.no_grad()
    def reconstruct(self,
                    inputs: torch.Tensor,
                    generator: Optional[torch.Generator] = None,
                    data_samples: Optional[List[FERDataSample]] = None
                    ) -> Dict[str, torch.Tensor]:
        """Reconstructions in image space, for visualisation (Fig. 4).

        Args:
            inputs (torch.Tensor): (B, C, H, W) normalised fused images (as
                the data preprocessor outputs them).
            generator (torch.Generator, optional): random source of the
                channel mixing (the spatial mask uses the global RNG).
            data_samples (list, optional): passed to the mask generator.

        Returns:
            dict: ``mixed`` (B, 3, H, W) channel-mixed input, ``selection``
            (B, h, w, 3) or None, ``mask`` (B, L) 1 = masked, ``mask_img``
            (B, 1, H, W), and per modality ``target_<m>`` (B, C_m, H, W) and
            ``recon_<m>`` (B, C_m, H, W) (predictions of every patch, with
            the per-patch normalisation undone using the target patch's
            statistics when ``norm_pix``), all in the normalised space of
            ``inputs``.
        """
        mixed, selection, targets = self._split_and_mix(inputs, generator)
        latent, mask, ids_restore, _ = self.backbone(
            mixed, data_samples=data_samples)
        preds = self.neck(latent, ids_restore)
        B, _, H, W = inputs.shape
        p = self.head.patch_size
        grid = patch_grid(H, W, p)
        out = dict(mixed=mixed, selection=selection, mask=mask)
        mask_img = mask.view(B, *grid, 1, 1).expand(-1, -1, -1, p, p)
        out['mask_img'] = mask_img.permute(0, 1, 3, 2, 4).reshape(B, 1, H, W)
        for m, pred in preds.items():
            _, mean, std = self.head.target_patches(targets[m])
            c = MODALITY_CHANNELS[m]
            out[f'target_{m}'] = targets[m]
            out[f'recon_{m}'] = unpatchify(pred * std + mean, p, c, grid)
        return out

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[FERDataSample]] = None
                ) -> List[FERDataSample]:
        """Data samples holding ``mask`` and ``recon_<m>`` per image."""
        rec = self.reconstruct(inputs, data_samples=data_samples)
        if data_samples is None:
            data_samples = [FERDataSample() for _ in range(inputs.shape[0])]
        for i, sample in enumerate(data_samples):
            sample.set_field(rec['mask'][i], 'mask', dtype=torch.Tensor)
            for m in self.neck.modalities:
                sample.set_field(rec[f'recon_{m}'][i], f'recon_{m}',
                                 dtype=torch.Tensor)
        return data_samples

    def denormalize(self, x: torch.Tensor,
                    selection: Optional[torch.Tensor] = None,
                    channels: Optional[slice] = None) -> torch.Tensor:
        """Undo the data preprocessor's mean/std normalisation.

        Args:
            x (torch.Tensor): (B, K, H, W) normalised images.
            selection (torch.Tensor, optional): (B, h, w, K) channel
                selection if ``x`` is channel-mixed.
            channels (slice, optional): the input channels ``x`` holds if
                it is one modality.

        Returns:
            torch.Tensor: (B, K, H, W) in the pipeline's pixel range.
        """
        dp = self.data_preprocessor
        mean, std = getattr(dp, 'mean', None), getattr(dp, 'std', None)
        if mean is None:
            return x
        B, K, H, W = x.shape
        mean = mean.view(1, -1, 1, 1).expand(B, -1, H, W)
        std = std.view(1, -1, 1, 1).expand(B, -1, H, W)
        if selection is not None:
            p = H // selection.shape[1]
            mean = apply_channel_selection(mean, selection, p)
            std = apply_channel_selection(std, selection, p)
        elif channels is not None:
            mean, std = mean[:, channels], std[:, channels]
        return x * std + mean
