"""CMFN: the cross-modality attention fusion network of CM-CNN."""
import itertools
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule, ModuleDict
from torch import nn

from mmfer.registry import MODELS
from .concat_pool_fusion import as_map_list, check_pool, global_pool

ATTENTIONS = ('sigmoid', 'softmax')


class CrossModalAttention(BaseModule):
    r"""One cross-modal attention module (CM-CNN Fig. 5, Eq. 3).

    Modality i (the guided input f_i) attends to positions of modality j
    (the guiding input f_j):

    .. math:: Att_{ij} = \\sigma(G_1^T D_1) \\in \\mathbb{R}^{N \\times N}
              \\quad (3)
    .. math:: f_{ij} = \\mathrm{reshape}(G_2 \\, Att_{ij}^T) + f_i

    with :math:`G_1 = \\mathrm{conv}_{1\\times1}(f_i)`, :math:`G_2 =
    \\mathrm{conv}_{1\\times1}(f_i)`, :math:`D_1 = \\mathrm{conv}_{1\\times1}
    (f_j)`, all (C, N) after reshaping, N = H W. Entry (n, m) of
    :math:`Att_{ij}` compares guided position n with guiding position m,
    and output position n sums :math:`G_2` over m with these weights.

    Args:
        in_channels (int): C of both inputs.
        attention (str): ``'sigmoid'`` (Eq. 3 as printed) or ``'softmax'``
            (over the guiding positions m, the last axis).
        scale (bool): divide :math:`G_1^T D_1` by sqrt(C) (not in the
            paper). Defaults to False.
        gamma_init (float, optional): None (default): the plain sum of
            Fig. 5. A float: SAGAN's learnable scale of the attention
            branch, :math:`f_{ij} = \gamma \, \mathrm{reshape}(G_2
            Att^T) + f_i` with :math:`\gamma` starting at this value (0 in
            SAGAN, which CMFN follows, ref. [70]).
    """

    def __init__(self, in_channels: int, attention: str = 'sigmoid',
                 scale: bool = False, gamma_init: Optional[float] = None):
        super().__init__()
        self.attention = attention
        self.scale = in_channels**-0.5 if scale else 1.0
        self.gamma = (None if gamma_init is None else
                      nn.Parameter(torch.tensor(float(gamma_init))))
        self.g1 = nn.Conv2d(in_channels, in_channels, 1)
        self.g2 = nn.Conv2d(in_channels, in_channels, 1)
        self.d1 = nn.Conv2d(in_channels, in_channels, 1)

    def forward(self, guided: torch.Tensor, guiding: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Returns ``f_ij`` (B, C, H, W) and ``Att_ij`` (B, N, N)."""
        B, C, H, W = guided.shape
        g1 = self.g1(guided).flatten(2)  # (B, C, N)
        g2 = self.g2(guided).flatten(2)  # (B, C, N)
        d1 = self.d1(guiding).flatten(2)  # (B, C, N)
        energy = torch.bmm(g1.transpose(1, 2), d1) * self.scale  # (B, N, N)
        if self.attention == 'sigmoid':
            att = torch.sigmoid(energy)  # Eq. 3
        else:
            att = torch.softmax(energy, dim=-1)
        out = torch.bmm(g2, att.transpose(1, 2))  # (B, C, N): G2 Att^T
        out = out.reshape(B, C, H, W)
        if self.gamma is not None:
            out = self.gamma * out  # SAGAN's learnable scale
        return out + guided, att  # residual sum


@MODELS.register_module()
class CMFN(BaseModule):
    r"""Cross-modality attention fusion network (CM-CNN Sec. III-D).

    Ni et al., "Facial Expression Recognition Through Cross-Modality
    Attention Fusion", IEEE TCDS 2023 (Fig. 4-5, Eq. 3). For every ordered
    pair (guided i <- guiding j), i != j, a :class:`CrossModalAttention`
    computes f_ij (Eq. 3 + residual). Each ordered pair has its own three
    1x1 convolutions G1, G2, D1 (``attentions['i_j']``): f_GD and f_GL
    "carry different information" (Sec. III-D), so sharing G1 / G2 over
    the guiding modalities is not implied; the paper does not say.

    Modality i's embedding f_Ai = concat_j f_ij over its M - 1 guiding
    modalities (j in increasing order), (B, (M-1) C, H, W); each embedding
    is max- and average-pooled (CBAM) and all vectors are concatenated
    (modality order, then ``pool`` order) into f_v.

    Notes:
        - sigma: the text calls it "the Softmax function" but Eq. 3 defines
          the logistic sigmoid; ``attention='sigmoid'`` (default) follows
          the equation, ``'softmax'`` normalises over the guiding positions
          (the last axis, as in SAGAN). With the sigmoid the rows of
          :math:`Att_{ij}` are not normalised: each output position sums up
          to N weighted columns of :math:`G_2` (81 for 9x9 maps).
        - scale: the sigmoid of raw dot products of C-channel features
          saturates (0 or 1) once C is large; the paper uses no scaling
          (default); ``scale=True`` divides by sqrt(C) as in Transformers.
        - gamma_init: with the plain residual sum of Fig. 5 the attention
          branch adds up to N columns of :math:`G_2` to each position, so
          at initialisation it outweighs f_i by about N; trained with the
          paper's SGD (lr 0.01) this stalled at the uniform prediction on
          SynthFace, and diverged at lr 0.05. ``gamma_init=0.0`` scales the
          branch by SAGAN's learnable :math:`\gamma` (ref. [70], which
          CMFN is "inspired by"), starting as the identity: mmfer's CM-CNN
          configs use it; None is the sum as printed.

    Args:
        in_channels (int): C of every modality map.
        num_modalities (int): M >= 2. Defaults to 3.
        attention (str): ``'sigmoid'`` or ``'softmax'``. Defaults to
            'sigmoid'.
        pool (Sequence[str]): poolings of each embedding. Defaults to
            ``('max', 'avg')``.
        scale (bool): 1/sqrt(C) scaling of the energies. Defaults to False.
        gamma_init (float, optional): SAGAN's learnable scale of each
            attention branch, starting at this value; None (default) is the
            plain sum of Fig. 5. See the notes.
        init_cfg (dict, optional): initialisation config.

    Inputs: a sequence of M maps (B, C, H, W) of equal shape (entries may
    be backbone output tuples; their last map is used), any H, W.

    Returns:
        tuple[torch.Tensor]: ``(f_v, )``, f_v of shape
        (B, M * len(pool) * (M - 1) * C). With ``return_attention=True``
        also a dict ``{(i, j): Att_ij}`` of (B, N, N) maps, N = H W, row n
        = guided position, column m = guiding position (row-major
        positions, ``n = y * W + x``).

    Examples:
        >>> neck = CMFN(in_channels=8, num_modalities=3)
        >>> maps = [torch.rand(2, 8, 4, 5) for _ in range(3)]
        >>> neck(maps)[0].shape  # 3 * 2 * 2 * 8
        torch.Size([2, 96])
        >>> _, att = neck(maps, return_attention=True)
        >>> att[(0, 2)].shape
        torch.Size([2, 20, 20])
    """

    def __init__(self,
                 in_channels: int,
                 num_modalities: int = 3,
                 attention: str = 'sigmoid',
                 pool: Sequence[str] = ('max', 'avg'),
                 scale: bool = False,
                 gamma_init: Optional[float] = None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if num_modalities < 2:
            raise ValueError('CMFN needs num_modalities >= 2 (cross-modal '
                             f'attention), got {num_modalities}; for one '
                             "modality use neck=dict(type='mmpretrain."
                             "GlobalAveragePooling').")
        if attention not in ATTENTIONS:
            raise ValueError(f'CMFN: attention must be one of {ATTENTIONS}, '
                             f'got {attention!r}')
        self.in_channels = in_channels
        self.num_modalities = num_modalities
        self.attention = attention
        self.pool = check_pool(pool, 'CMFN')
        self.pairs = list(itertools.permutations(range(num_modalities), 2))
        self.attentions = ModuleDict({
            f'{i}_{j}': CrossModalAttention(in_channels, attention, scale,
                                            gamma_init)
            for i, j in self.pairs
        })

    @property
    def out_channels(self) -> int:
        """Length of f_v: M * len(pool) * (M - 1) * C."""
        m = self.num_modalities
        return m * len(self.pool) * (m - 1) * self.in_channels

    def forward(self,
                feats: Sequence[torch.Tensor],
                return_attention: bool = False
                ) -> Union[Tuple[torch.Tensor], Tuple[Tuple[torch.Tensor],
                                                      Dict]]:
        maps = as_map_list(feats, 'CMFN', self.num_modalities)
        shapes = {tuple(m.shape[1:]) for m in maps}
        if len(shapes) > 1:
            raise ValueError(f'CMFN: the modality maps differ in (C, H, W) '
                             f'{sorted(shapes)}; every backbone must end '
                             'with the same channels and resolution.')
        if maps[0].shape[1] != self.in_channels:
            raise ValueError(f'CMFN(in_channels={self.in_channels}) got '
                             f'{maps[0].shape[1]}-channel maps')
        vectors, attentions = [], {}
        for i in range(self.num_modalities):
            fused = []
            for j in range(self.num_modalities):
                if j == i:
                    continue
                f_ij, att = self.attentions[f'{i}_{j}'](maps[i], maps[j])
                fused.append(f_ij)  # (B, C, H, W)
                attentions[(i, j)] = att  # (B, N, N)
            f_a = torch.cat(fused, dim=1)  # f_Ai: (B, (M-1) C, H, W)
            vectors.append(global_pool(f_a, self.pool))  # (B, P (M-1) C)
        f_v = torch.cat(vectors, dim=1)  # (B, M P (M-1) C)
        if return_attention:
            return (f_v, ), attentions
        return (f_v, )

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, num_modalities='
                f'{self.num_modalities}, pool={self.pool}')
