"""Eq. 3 of MCM: the sum of per-modality masked-patch MSE losses."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule

from mmfer.models.utils import patchify
from mmfer.registry import MODELS


@MODELS.register_module()
class MultiModalReconstructionHead(BaseModule):
    """Multi-modal pixel reconstruction loss.

    Zhang et al., "Multimodal Channel-Mixing", WACV 2024, Sec. 3.5: for
    each modality the MSE between the reconstructed and the original
    pixels of the *masked* patches, :math:`\\mathcal{L}_R^{rgb}`,
    :math:`\\mathcal{L}_R^{depth}`, :math:`\\mathcal{L}_R^{thermal}`, and

    .. math:: \\mathcal{L}_R = \\mathcal{L}_R^{rgb} +
              \\mathcal{L}_R^{depth} + \\mathcal{L}_R^{thermal}  \\quad (3)

    Each term is returned as ``loss_<modality>``; mmengine sums every
    ``loss*`` entry into the optimised ``loss``, which is Eq. 3. The
    target is the original image, as Sec. 3.5 says ("the MSE between the
    masked patches of the reconstructed and origination image"); as in MAE
    (the paper is silent) the per-patch squared error is averaged over the
    patch's pixels, then over the masked patches. ``norm_pix=True`` is
    MAE's ``norm_pix_loss`` instead: each target patch is normalised by its
    own mean and variance (MAE, Sec. 4, "Reconstruction target"). With one
    modality and no Channel-Mixing this is MAE's loss.

    Args:
        patch_size (int): P. Defaults to 16.
        norm_pix (bool): per-patch target normalisation (MAE) instead of
            the original pixels (MCM Sec. 3.5). Defaults to False.
        loss_weights (dict, optional): modality -> weight; Eq. 3 uses 1.
        eps (float): added to each patch's variance with ``norm_pix``.
            Defaults to 1e-6 (MAE).
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> head = MultiModalReconstructionHead(patch_size=8)
        >>> losses = head.loss(dict(depth=torch.zeros(2, 16, 64)),
        ...                    dict(depth=torch.ones(2, 1, 32, 32)),
        ...                    torch.ones(2, 16))
        >>> sorted(losses)
        ['loss_depth']
    """

    def __init__(self,
                 patch_size: int = 16,
                 norm_pix: bool = False,
                 loss_weights: Optional[Dict[str, float]] = None,
                 eps: float = 1e-6,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.patch_size = patch_size
        self.norm_pix = norm_pix
        self.loss_weights = dict(loss_weights or {})
        self.eps = eps

    def target_patches(self, img: torch.Tensor):
        """Target patches and their statistics.

        Args:
            img (torch.Tensor): (B, C_m, H, W) one modality.

        Returns:
            tuple: target (B, L, P*P*C_m) (normalised per patch if
            ``norm_pix``), mean and std (B, L, 1) used for it (0 and 1
            without ``norm_pix``).
        """
        target = patchify(img, self.patch_size)  # (B, L, P*P*C)
        if not self.norm_pix:
            return target, torch.zeros_like(target[..., :1]), \
                torch.ones_like(target[..., :1])
        mean = target.mean(dim=-1, keepdim=True)  # (B, L, 1)
        std = (target.var(dim=-1, keepdim=True) + self.eps)**.5
        return (target - mean) / std, mean, std

    def loss(self, preds: Dict[str, torch.Tensor],
             targets: Dict[str, torch.Tensor],
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Per-modality masked MSE.

        Args:
            preds (dict): modality -> (B, L, P*P*C_m) predicted patches.
            targets (dict): modality -> (B, C_m, H, W) original images.
            mask (torch.Tensor): (B, L), 1 = masked (the loss covers these).

        Returns:
            dict: ``loss_<modality>`` scalars.
        """
        losses = {}
        for modality, pred in preds.items():
            target, _, _ = self.target_patches(targets[modality])
            if pred.shape != target.shape:
                raise ValueError(
                    f'{modality}: prediction {tuple(pred.shape)} and target '
                    f'patches {tuple(target.shape)} differ; check patch_size '
                    'of the decoder and the head.')
            per_patch = ((pred - target)**2).mean(dim=-1)  # (B, L)
            loss = (per_patch * mask).sum() / mask.sum().clamp(min=1)
            losses[f'loss_{modality}'] = \
                loss * self.loss_weights.get(modality, 1.0)
        return losses


# the name of the MCM configs written before the generic name
MODELS.register_module(
    name='MCMReconstructionHead', module=MultiModalReconstructionHead)
