"""EMPD's expression semantic guidance masking (ESGM), Sec. III-A."""
import math
from typing import List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from mmfer.registry import MODELS
from mmfer.structures.parsing import (ESGM_GROUP_NAMES,
                                      expression_indicator_classes,
                                      parsing_classes)
from .base_mask_generator import BaseMaskGenerator


@MODELS.register_module()
class ESGM(BaseMaskGenerator):
    """Expression-aware masking learned from face parsing.

    Zhong, Xian, Wang, Xie and Shen, "Expression-aware masking and progressive decoupling for
    cross-database facial expression recognition" (EMPD), Sec. III-A,
    Fig. 3. An attention block scores the N_p patch tokens P (B, N_p, d),
    and the highest-scoring patches are masked:

    - Eq. 2: ``[Q, K, V] = P [w_q, w_k, w_v]`` (``num_heads`` heads of
      width d_k = d_v = d / num_heads; the heads' concatenated outputs are
      linearly embedded, as MSA does);
    - Eq. 3: ``A = softmax(Q K^T / sqrt(d_k))``, ``omega = MLP(GAP(A V))``:
      global average pooling over the tokens, then an MLP
      ``d -> mlp_hidden -> N_p`` with a final sigmoid, so ``omega``
      (B, N_p) is in [0, 1] (the paper's "possibility of the patch being
      masked"). Eq. 3 has no residual and no LayerNorm, so none is used;
    - Eq. 4: the ``floor(mask_ratio * N_p)`` patches with the largest
      ``omega`` are masked (argsort in descending order). Note that
      :class:`~.BaseMaskGenerator` (MAE's rule) keeps
      ``int(N_p * (1 - ratio))`` and so masks ``ceil(ratio * N_p)`` when
      ``ratio * N_p`` is not an integer (e.g. 13 instead of Eq. 4's 12 of
      64 patches at 0.2); ESGM follows Eq. 4 (with a 1e-6 tolerance
      against float error, e.g. ``0.29 * 100``);
    - Eq. 5: ``M_exp(i, j) = 1`` iff the parsing class of pixel (i, j) is
      in S_exp = {nose, eye, brow, mouth, lip, skin}
      (:func:`mmfer.structures.parsing.expression_indicator_classes`);
      padding pixels (id 255) and classes of no group count as 0;
    - Eq. 6: ``L_mask = sum_k |omega_k - mean(M_exp over patch k)|`` per
      sample, returned as ``loss_mask`` weighted by ``loss_weight`` (the
      lambda_1 of Eq. 8, 1 in the paper) and averaged over the samples
      that carry a parsing map (``data_sample.gt_parsing``, at the
      input's resolution, e.g. from ``LoadParsingMap``).

    Samples without ``gt_parsing`` contribute nothing (EMPD's second
    pre-training stage on CelebA / FFHQ / CASIA-WebFace has no parsing:
    "the trained attention block can mask the expression-aware patches
    without the supervision of face parsing data"). A batch (or a call
    without data samples) with no parsing map at all still returns
    ``loss_mask`` = 0, computed as ``0 * omega.sum()`` so that it is
    connected to the graph: every step logs the same keys and every ESGM
    parameter receives a (zero) gradient, which DDP without
    ``find_unused_parameters`` requires. Stage-2 configs should also
    freeze ESGM (``lr_mult=0, decay_mult=0``), or AdamW's decoupled
    weight decay shrinks the unsupervised scorer.

    Gradients: the selection is an argsort, which passes no gradient to
    the scorer through the mask; the reconstruction loss (Eq. 7) does not
    reach the ESGM parameters, which learn from ``L_mask`` only. ``L_mask``
    does reach the patch embedding that produced the tokens (the tokens
    are not detached: Eq. 8 optimises ``L_rec + lambda_1 L_mask`` jointly).

    Mask ratio: Sec. IV-D / Fig. 8 sweeps it; the text reports the
    accuracy rising from 56.54% to its best, 60.72% (the full model of
    Table IV), then falling, says MAE's usual 0.75 is not used, and that
    "almost all expression cues has been masked with a mask ratio of 0.2"
    in Fig. 5, the visualisation of the trained method. The text does not
    give the x-position of the peak; 0.2, the ratio the paper visualises
    its method with and the one it says already covers the expression
    cues, is the default.

    Args:
        mask_ratio (float): mr of Eq. 4. Defaults to 0.2 (see above).
        embed_dims (int): token width d (the encoder's). Defaults to 768.
        num_heads (int): heads of the attention block. Defaults to 12.
        mlp_hidden (int, optional): hidden width of the MLP of Eq. 3;
            None uses ``embed_dims``. Defaults to None.
        num_patches (int): N_p, the MLP's output size. Defaults to 196
            (224 / 16 squared).
        patch_size (int): ps of Eq. 6, the encoder's patch size. Defaults
            to 16.
        parsing_vocabulary (str | Sequence[str]): the class order of
            ``gt_parsing``: ``'synthface'``, ``'celebamask_hq'`` or the
            class names in id order. Required: a wrong vocabulary would
            silently supervise the wrong pixels.
        expression_groups (Sequence[str] | Mapping): the groups of S_exp
            (Eq. 5). Defaults to ``('nose', 'eye', 'brow', 'mouth', 'lip',
            'skin')``.
        loss_weight (float): lambda_1 of Eq. 8. Defaults to 1.0.
        loss_reduction (str): over the patches of a sample, ``'sum'``
            (Eq. 6) or ``'mean'`` (Eq. 6 / N_p). Defaults to ``'sum'``.
        return_attention (bool): keep the last call's head-averaged
            attention map ``last_attention`` (B, N_p, N_p) and weights
            ``last_weights`` (B, N_p), detached, for visualisation (Fig.
            4). Defaults to False.
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> gen = ESGM(mask_ratio=0.25, embed_dims=32, num_heads=2,
        ...            num_patches=16, patch_size=8,
        ...            parsing_vocabulary='synthface')
        >>> res = gen(torch.rand(2, 16, 32))
        >>> res.kept.shape, int(res.mask[0].sum()), sorted(res.losses)
        (torch.Size([2, 12, 32]), 4, ['loss_mask'])
    """

    REDUCTIONS = ('sum', 'mean')

    def __init__(self,
                 mask_ratio: float = 0.2,
                 embed_dims: int = 768,
                 num_heads: int = 12,
                 mlp_hidden: Optional[int] = None,
                 num_patches: int = 196,
                 patch_size: int = 16,
                 parsing_vocabulary: Optional[Union[str,
                                                    Sequence[str]]] = None,
                 expression_groups: Union[Sequence[str],
                                          Mapping] = (ESGM_GROUP_NAMES),
                 loss_weight: float = 1.0,
                 loss_reduction: str = 'sum',
                 return_attention: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(mask_ratio=mask_ratio, init_cfg=init_cfg)
        if parsing_vocabulary is None:
            raise ValueError(
                "ESGM: set parsing_vocabulary to the class order of the "
                "parsing maps ('synthface', 'celebamask_hq' or a list of "
                'class names), e.g. ESGM(..., '
                "parsing_vocabulary='celebamask_hq') for CelebAMask-HQ.")
        if embed_dims % num_heads:
            raise ValueError(f'ESGM: embed_dims={embed_dims} is not '
                             f'divisible by num_heads={num_heads}.')
        if loss_reduction not in self.REDUCTIONS:
            raise ValueError(f'ESGM: loss_reduction must be one of '
                             f'{self.REDUCTIONS}, got {loss_reduction!r}.')
        self.num_masked(num_patches)  # validates ratio vs N_p
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.num_patches = num_patches
        self.patch_size = patch_size
        self.loss_weight = float(loss_weight)
        self.loss_reduction = loss_reduction
        self.return_attention = return_attention
        self.parsing_vocabulary = parsing_classes(parsing_vocabulary)
        self.expression_ids = expression_indicator_classes(
            self.parsing_vocabulary, expression_groups)
        lut = torch.zeros(256, dtype=torch.bool)  # class id -> in S_exp
        lut[list(self.expression_ids)] = True
        self.register_buffer('expression_lut', lut, persistent=False)

        mlp_hidden = mlp_hidden or embed_dims
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims)  # Eq. 2
        self.proj = nn.Linear(embed_dims, embed_dims)  # MSA output embed
        self.mlp = nn.Sequential(nn.Linear(embed_dims, mlp_hidden), nn.GELU(),
                                 nn.Linear(mlp_hidden, num_patches))  # Eq. 3
        self.last_attention: Optional[torch.Tensor] = None
        self.last_weights: Optional[torch.Tensor] = None

    # ------------------------------------------------------------------
    def num_masked(self, num_tokens: int) -> int:
        """Eq. 4: ``floor(mask_ratio * N_p)`` masked patches (>= 1).

        Examples:
            >>> gen = ESGM(num_patches=64, patch_size=8, embed_dims=32,
            ...            num_heads=2, parsing_vocabulary='synthface')
            >>> gen.num_masked(64), gen.num_masked(196)
            (12, 39)
        """
        n = int(math.floor(self.mask_ratio * num_tokens + 1e-6))
        if not 1 <= n < num_tokens:
            raise ValueError(
                f'ESGM: mask_ratio={self.mask_ratio} masks {n} of '
                f'{num_tokens} patches (Eq. 4, floor(mr * N_p)); choose a '
                'ratio that masks at least one patch and keeps one.')
        return n

    def mask_weights(
            self, tokens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Eq. 2-3: the mask weights and the attention map.

        Args:
            tokens (torch.Tensor): (B, N_p, d) patch tokens.

        Returns:
            tuple: ``omega`` (B, N_p) in [0, 1] and ``A`` (B, heads, N_p,
            N_p), each row a softmax over the keys.
        """
        B, L, D = tokens.shape
        if L != self.num_patches or D != self.embed_dims:
            raise ValueError(
                f'ESGM was built for (B, num_patches={self.num_patches}, '
                f'embed_dims={self.embed_dims}) tokens, got '
                f'{tuple(tokens.shape)}; set num_patches / embed_dims to '
                "the encoder's.")
        h, dk = self.num_heads, D // self.num_heads
        qkv = self.qkv(tokens).view(B, L, 3, h, dk)  # (B, L, 3, h, dk)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (B, h, L, dk), Eq. 2
        attn = (q @ k.transpose(-2, -1)) / math.sqrt(dk)  # (B, h, L, L)
        attn = attn.softmax(dim=-1)  # Eq. 3: A
        out = (attn @ v).transpose(1, 2).reshape(B, L, D)  # (B, L, D): A·V
        out = self.proj(out)  # concatenated heads, linearly embedded
        pooled = out.mean(dim=1)  # (B, D): GAP over the tokens
        omega = torch.sigmoid(self.mlp(pooled))  # (B, N_p), Eq. 3
        return omega, attn

    def scores(self,
               tokens: torch.Tensor,
               data_samples: Optional[List] = None) -> torch.Tensor:
        """omega (B, N_p) of Eq. 3 (the highest are masked)."""
        omega, attn = self.mask_weights(tokens)
        if self.return_attention:
            self.last_attention = attn.mean(dim=1).detach()  # (B, L, L)
            self.last_weights = omega.detach()  # (B, L)
        return omega

    # ------------------------------------------------------------------
    def expression_map(self, parsing: torch.Tensor) -> torch.Tensor:
        """Eq. 5: (..., H, W) class ids -> float M_exp in {0, 1}."""
        lut = self.expression_lut.to(parsing.device)
        return lut[parsing.long()].float()

    def expression_density(
            self, data_samples: Optional[List],
            num_tokens: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Eq. 6's target: the mean of M_exp over every patch.

        Args:
            data_samples (list, optional): the batch's data samples; those
                with ``gt_parsing`` (H, W) are used.
            num_tokens (int): N_p = (H / ps) * (W / ps) of the input.

        Returns:
            tuple: ``density`` (B, N_p) in [0, 1] (zeros for samples
            without a map) and ``valid`` (B,) bool, which samples have a
            map. (0, N_p) and (0,) for ``data_samples=None``.
        """
        samples = list(data_samples or [])
        p = self.patch_size
        density = torch.zeros(len(samples), num_tokens)
        valid = torch.zeros(len(samples), dtype=torch.bool)
        for i, sample in enumerate(samples):
            if 'gt_parsing' not in sample:
                continue
            parsing = sample.gt_parsing
            H, W = parsing.shape[-2:]
            if H % p or W % p or (H // p) * (W // p) != num_tokens:
                raise ValueError(
                    f'ESGM: gt_parsing of sample {i} is {H}x{W}, which is '
                    f'not the input of {num_tokens} patches of {p}x{p}. '
                    'Load it with LoadParsingMap before the geometric '
                    'transforms (mmfer RandomResizedCrop, mmpretrain '
                    'Resize / RandomFlip move gt_seg_map with the image) '
                    'so the map stays at the input resolution.')
            m_exp = self.expression_map(parsing.cpu())[None, None]
            density[i] = F.avg_pool2d(m_exp, p).flatten()  # (N_p,), Eq. 6
            valid[i] = True
        return density, valid

    def losses(self,
               scores: torch.Tensor,
               tokens: torch.Tensor,
               data_samples: Optional[List] = None) -> dict:
        """``loss_mask`` = lambda_1 * Eq. 6, averaged over the samples
        with a parsing map; 0 (connected to the graph) without any."""
        density, valid = self.expression_density(data_samples, scores.shape[1])
        if not valid.any():
            return dict(loss_mask=scores.sum() * 0.0)
        density = density.to(scores)
        valid = valid.to(scores.device)
        err = (scores - density).abs()  # (B, N_p): |omega_k - M_exp^(k)|
        per_sample = err.sum(1) if self.loss_reduction == 'sum' else \
            err.mean(1)  # (B,), Eq. 6
        return dict(loss_mask=self.loss_weight * per_sample[valid].mean())

    def num_kept(self, num_tokens: int) -> int:
        """N_p - floor(mr * N_p) visible patches: the ``floor(mr * N_p)``
        highest-omega patches are masked (Eq. 4; the shared selection
        keeps the lowest scores)."""
        return num_tokens - self.num_masked(num_tokens)

    def extra_repr(self) -> str:
        return (f'mask_ratio={self.mask_ratio}, num_patches='
                f'{self.num_patches}, patch_size={self.patch_size}, '
                f'expression_ids={self.expression_ids}, loss_weight='
                f'{self.loss_weight}, loss_reduction={self.loss_reduction}')
