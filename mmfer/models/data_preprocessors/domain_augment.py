"""EMPD's single-source domain augmentation: Gaussian-blurred batch copies."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from mmfer.registry import MODELS

#: metainfo key marking a sample as an augmented-domain copy (domain 1).
AUGMENTED_KEY = 'domain_augmented'


def gaussian_kernels(sigmas: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Normalised 1-D Gaussian kernels: (B,) sigmas -> (B, kernel_size)."""
    r = torch.arange(kernel_size, dtype=sigmas.dtype,
                     device=sigmas.device) - (kernel_size - 1) / 2
    k = torch.exp(-0.5 * (r[None] / sigmas[:, None])**2)  # (B, k)
    return k / k.sum(dim=1, keepdim=True)


def gaussian_blur(imgs: torch.Tensor, sigmas: torch.Tensor,
                  kernel_size: int) -> torch.Tensor:
    """Blur each image of a (B, C, H, W) batch with its own sigma.

    Separable convolution, reflect padding (the border keeps its mean).

    Args:
        imgs (torch.Tensor): (B, C, H, W).
        sigmas (torch.Tensor): (B,) standard deviations in pixels (> 0).
        kernel_size (int): odd kernel width.

    Returns:
        torch.Tensor: (B, C, H, W) blurred images.
    """
    B, C, H, W = imgs.shape
    k = gaussian_kernels(sigmas.to(imgs), kernel_size)  # (B, k)
    k = k.repeat_interleave(C, dim=0)  # (B * C, k)
    pad = kernel_size // 2
    x = imgs.reshape(1, B * C, H, W)  # one group per image channel
    x = F.pad(x, (pad, pad, 0, 0), mode='reflect')
    x = F.conv2d(x, k[:, None, None, :], groups=B * C)  # rows
    x = F.pad(x, (0, 0, pad, pad), mode='reflect')
    x = F.conv2d(x, k[:, None, :, None], groups=B * C)  # columns
    return x.reshape(B, C, H, W)


@MODELS.register_module()
class GaussianBlurDomainAugment(nn.Module):
    """Append Gaussian-blurred copies of a batch as a second domain.

    Zhong et al., "Expression-aware Masking and Progressive Decoupling for
    Cross-database Facial Expression Recognition" (EMPD), Sec. III-B and
    Algorithm 1: with a single source dataset the model is trained by
    feeding the encoder either the expression image ``x_e`` (the original
    domain) or its augmentation ``x_a`` ("data augmentation e.g. Gaussian
    blurring for single source domain"), with the same expression label
    ``y_e``. This module makes ``x_a``: each sample of the batch is copied
    with probability ``prob`` and the copy blurred with a sigma drawn
    uniformly from ``sigma``. The copies are appended after the originals
    (originals first), so with ``prob=1`` the batch doubles and its first
    half is domain 0, its second half domain 1. The copies keep the
    expression label: both ``x_e`` and ``x_a`` train the expression loss
    (Eq. 11), as Algorithm 1 feeds either to the encoder with ``y_e``.

    It works on the normalised batch (blurring commutes with a per-channel
    affine normalisation). Use it as ``PDEDClassifier``'s ``augment`` (it
    then runs in training losses only), or, with the same effect, as a
    ``batch_augments`` entry of ``FERDataPreprocessor``.

    **Added Keys (metainfo of the returned data samples):**
    ``domain_augmented`` (bool): False on the originals, True on the
    blurred copies. The returned samples are copies (``clone()``); the
    input data samples are not modified.

    Args:
        kernel_size (int): odd blur kernel width in pixels. Defaults to 9.
        sigma (Sequence[float]): (low, high) range of the per-copy sigma in
            pixels. Defaults to (1.0, 3.0).
        prob (float): probability that a sample gets a blurred copy.
            Defaults to 1.0.

    Examples:
        >>> aug = GaussianBlurDomainAugment(kernel_size=5, sigma=(1., 2.))
        >>> imgs, samples = aug(torch.rand(4, 3, 32, 32), None)
        >>> imgs.shape  # 4 originals + 4 blurred copies
        torch.Size([8, 3, 32, 32])
    """

    def __init__(self,
                 kernel_size: int = 9,
                 sigma: Sequence[float] = (1.0, 3.0),
                 prob: float = 1.0):
        super().__init__()
        if kernel_size < 3 or kernel_size % 2 == 0:
            raise ValueError('GaussianBlurDomainAugment: kernel_size must be '
                             f'an odd integer >= 3, got {kernel_size}.')
        if isinstance(sigma, (int, float)):
            sigma = (float(sigma), float(sigma))
        if len(sigma) != 2 or not 0 < sigma[0] <= sigma[1]:
            raise ValueError('GaussianBlurDomainAugment: sigma must be a '
                             '(low, high) range with 0 < low <= high, got '
                             f'{sigma}.')
        if not 0.0 < prob <= 1.0:
            raise ValueError('GaussianBlurDomainAugment: prob must be in '
                             f'(0, 1], got {prob}.')
        self.kernel_size = kernel_size
        self.sigma = tuple(float(s) for s in sigma)
        self.prob = prob

    def augment(self,
                imgs: torch.Tensor,
                generator: Optional[torch.Generator] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Blurred copies of the selected samples.

        Args:
            imgs (torch.Tensor): (B, C, H, W) batch.
            generator (torch.Generator, optional): for reproducible draws.

        Returns:
            tuple: ``x_a`` (M, C, H, W) and the indices (M,) of the
            samples they copy (M = B when ``prob=1``).
        """
        if imgs.dim() != 4:
            raise ValueError('GaussianBlurDomainAugment expects (B, C, H, W) '
                             f'images, got {tuple(imgs.shape)}.')
        B, _, H, W = imgs.shape
        if min(H, W) <= self.kernel_size // 2:
            raise ValueError(
                f'GaussianBlurDomainAugment: kernel_size={self.kernel_size} '
                f'is too large for {H}x{W} images (reflect padding needs '
                f'kernel_size // 2 < {min(H, W)}).')
        if self.prob < 1.0:
            keep = torch.rand(B, generator=generator) < self.prob
            index = keep.nonzero().flatten()  # (M,)
        else:
            index = torch.arange(B)
        low, high = self.sigma
        sigmas = low + (high - low) * torch.rand(len(index),
                                                 generator=generator)
        index = index.to(imgs.device)
        return gaussian_blur(imgs[index], sigmas,
                             self.kernel_size), index

    def forward(self, inputs: torch.Tensor,
                data_samples: Optional[List] = None
                ) -> Tuple[torch.Tensor, Union[List, None]]:
        """``batch_augments`` interface: (B + M, C, H, W) images, originals
        first, and their data samples (copies flagged ``domain_augmented``).
        """
        x_a, index = self.augment(inputs)
        imgs = torch.cat([inputs, x_a], dim=0)  # (B + M, C, H, W)
        if data_samples is None:
            return imgs, None
        samples = []
        for i, flag in [(i, False) for i in range(len(data_samples))] + [
                (i, True) for i in index.tolist()]:
            sample = data_samples[i].clone()  # the caller's stay unflagged
            sample.set_metainfo({AUGMENTED_KEY: flag})
            samples.append(sample)
        return imgs, samples

    def extra_repr(self) -> str:
        return (f'kernel_size={self.kernel_size}, sigma={self.sigma}, '
                f'prob={self.prob}')
