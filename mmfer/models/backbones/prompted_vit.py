"""A (frozen) ViT encoder with learnable and progressive prompt tokens.

MMA-DFER: MultiModal Adaptation of unimodal models for Dynamic Facial
Expression Recognition in-the-wild (Chumachenko et al., CVPR-W 2024),
https://arxiv.org/abs/2404.09010, Sec. 3.2.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.models.backbones import VisionTransformer
from mmpretrain.models.utils import resize_pos_embed
from torch import nn

from mmfer.registry import MODELS
from mmfer.utils import safe_torch_load

# Parameter names of the pre-trained (frozen) part of the encoder; all other
# parameters (``pos_embed``, ``prompts``, ``progressive_prompts``) are
# trained.
PRETRAINED_PREFIXES = ('patch_embed.', 'cls_token', 'layers.', 'pre_norm.',
                       'ln1.')


@MODELS.register_module()
class PromptedViT(BaseModule):
    """ViT encoder with learnable prompts, driven block by block.

    The token sequence is ``[cls, patches (N), prompts (M)]``: the ``M``
    learnable prompts (init ``randn * D^-0.5``) are appended after the patch
    tokens once, at the input, and the position embedding has ``1 + N + M``
    rows, all trainable. Progressive prompts (Sec. 3.2, Eq. (1)) are
    ``S = len(progressive_blocks)`` sets of ``m = M^l`` tokens; set ``k`` is
    *added* to prompt tokens ``[o_k, o_k + m)`` after block
    ``progressive_blocks[k]``::

        P[o_k:o_k + m] = P[o_k:o_k + m] + P^k                     # Eq. (1)

    with ``o_k = k m``. Eq. (1) sets ``m = M / S`` (the default, e.g. the
    paper's model: M = 6, S = 2 sets of 3 after blocks 0 and 6). Table 7
    varies S (12, 6, 4, 2 sets: every 1st, 2nd, 3rd, 6th block), where
    ``M / S`` is no integer for M = 6 and S = 12 or 4. ``prompts_per_set``
    fixes ``m`` instead:

    - ``num_prompts=None``: ``M = m S`` (each set updates its own tokens;
      the official code's layout, ``n_progr`` tokens per set, M = 3 S);
    - ``num_prompts=M``, a multiple of ``m``: M stays fixed and the sets
      cycle over the M tokens, ``o_k = (k m) mod M`` (equals Eq. (1) when
      ``M = m S``).

    The transformer blocks, patch embedding, cls token and final norm are
    mmpretrain's :class:`~mmpretrain.models.backbones.VisionTransformer`
    modules (state-dict keys as in mmpretrain: ``patch_embed.projection``,
    ``layers.i.{ln1,attn.qkv,attn.proj,ln2,ffn.layers.0.0,ffn.layers.1}``,
    ``ln1``), frozen when ``frozen=True``. A fusion model interleaves two
    encoders with the per-block API::

        x = enc.embed(img)                        # (B, 1+N+M, D)
        for i in range(enc.num_layers):
            x = enc.forward_block(i, x)
            x = ...fusion...(x)
            x = enc.add_progressive_prompts(i, x)
        cls = enc.final_norm(x)[:, 0]             # (B, D)

    Args:
        arch (str | dict): mmpretrain ViT arch name (``'base'``, ``'small'``,
            ``'deit-tiny'``, ...) or a dict with ``embed_dims``,
            ``num_layers``, ``num_heads``, ``feedforward_channels``.
            Defaults to ``'base'`` (ViT-B: 12 blocks, 768 wide).
        img_size (int | tuple[int, int]): input (H, W); the audio encoder
            uses ``(512, 128)`` (time x mel bins). Defaults to 224.
        patch_size (int): Defaults to 16.
        in_channels (int): 3 for faces, 1 for fbanks. Defaults to 3.
        drop_path_rate (float): stochastic depth of the blocks (linear
            over depth, as timm/mmpretrain). Defaults to 0.1.
        num_prompts (int, optional): ``M``; 0 disables prompts; None
            (only with ``prompts_per_set``) makes it
            ``prompts_per_set * len(progressive_blocks)``. Defaults to 6.
        progressive_blocks (Sequence[int]): blocks after which the sets of
            progressive prompts are added; ``()`` disables them. Defaults
            to ``(0, 6)`` (2 sets of 3 tokens for ``M = 6``).
        prompts_per_set (int, optional): tokens per progressive set ``m``;
            None: ``M / S`` (Eq. (1)). See above. Defaults to None.
        frozen (bool): freeze the pre-trained parts (everything except the
            position embedding and the prompts). Defaults to True.
        trainable_pos_embed (bool): with ``frozen=True``, keep the position
            embedding trainable (Sec. 4.2: it is interpolated to the new
            grid and tuned). False freezes it too, e.g. for MMA-DFER's
            Table 5 single-modality rows (only the classifier is trained).
            Defaults to True.
        pretrained (str, optional): an mmfer encoder checkpoint (from
            ``tools/model_converters/``) loaded by :meth:`init_weights`.
        pretrained_hint (str): how to produce ``pretrained``, shown when
            the file is missing. Defaults to ``''``.
        pretrained_prefix (str): load only the keys of ``pretrained`` that
            start with this prefix, with the prefix removed: e.g.
            ``'backbone.'`` takes the encoder of a full mmfer checkpoint
            (an MCM / MAE pre-training or a fine-tuned ViT). Defaults to
            ``''`` (an encoder-only checkpoint from the converters).
        init_cfg (dict, optional): mmengine init config.

    Examples:
        >>> import torch
        >>> enc = PromptedViT(
        ...     arch=dict(embed_dims=32, num_layers=12, num_heads=2,
        ...               feedforward_channels=64),
        ...     img_size=(64, 16), patch_size=16, in_channels=1)
        >>> enc.patch_resolution, enc.num_tokens
        ((4, 1), 11)
        >>> enc(torch.rand(2, 1, 64, 16)).shape
        torch.Size([2, 32])
    """

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: Union[int, Tuple[int, int]] = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 drop_path_rate: float = 0.1,
                 num_prompts: Optional[int] = 6,
                 progressive_blocks: Sequence[int] = (0, 6),
                 prompts_per_set: Optional[int] = None,
                 frozen: bool = True,
                 trainable_pos_embed: bool = True,
                 pretrained: Optional[str] = None,
                 pretrained_hint: str = '',
                 pretrained_prefix: str = '',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str) and \
                arch.lower() not in VisionTransformer.arch_zoo:
            raise ValueError(
                f'Unknown PromptedViT arch "{arch}"; choose one of '
                f'{sorted(VisionTransformer.arch_zoo)} or give a dict with '
                'embed_dims, num_layers, num_heads, feedforward_channels.')
        if isinstance(arch, dict):
            missing = {'embed_dims', 'num_layers', 'num_heads',
                       'feedforward_channels'} - set(arch)
            if missing:
                raise ValueError(
                    f'PromptedViT arch dict lacks {sorted(missing)}')
        vit = VisionTransformer(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            in_channels=in_channels,
            drop_path_rate=drop_path_rate,
            final_norm=True,
            out_type='cls_token')
        # Own the modules of the mmpretrain ViT; its pos_embed is replaced
        # by one with extra rows for the prompts.
        self.embed_dims = vit.embed_dims
        self.num_layers = vit.num_layers
        self.patch_resolution = tuple(vit.patch_resolution)
        self.patch_embed = vit.patch_embed
        self.cls_token = vit.cls_token
        self.drop_after_pos = vit.drop_after_pos
        self.pre_norm = vit.pre_norm
        self.layers = vit.layers
        self.ln1 = vit.ln1
        # stochastic depth of each block (linear over depth), see
        # forward_block
        self.drop_path_probs = tuple(
            float(getattr(layer.attn.out_drop, 'drop_prob', 0.))
            for layer in self.layers)
        if any(not layer.ffn.add_identity or layer.attn.v_shortcut
               for layer in self.layers):
            raise ValueError('PromptedViT expects pre-norm blocks with '
                             'residual attention and MLP.')

        progressive_blocks = tuple(int(b) for b in progressive_blocks)
        num_prompts, per_set = self._prompt_layout(
            num_prompts, progressive_blocks, prompts_per_set)
        self.num_prompts = num_prompts
        self.progressive_blocks = progressive_blocks
        # first prompt token o_k updated by progressive set k (Eq. (1))
        self.progressive_offsets = tuple(
            (k * per_set) % num_prompts
            for k in range(len(progressive_blocks)))
        self.num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.num_tokens = 1 + self.num_patches + num_prompts

        D = self.embed_dims
        self.pos_embed = nn.Parameter(torch.zeros(1, self.num_tokens, D))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        with torch.no_grad():  # prompt rows: randn, as the official code
            self.pos_embed[:, 1 + self.num_patches:].normal_()
        if num_prompts:
            # Sec. 3.2: M learnable tokens, init randn * D^-0.5
            self.prompts = nn.Parameter(
                torch.randn(num_prompts, D) * D**-0.5)
        else:
            self.register_parameter('prompts', None)
        self.progressive_prompts = nn.ParameterList([
            nn.Parameter(torch.randn(per_set, D) * D**-0.5)
            for _ in progressive_blocks
        ])
        self.pretrained = pretrained
        self.pretrained_hint = pretrained_hint
        self.pretrained_prefix = pretrained_prefix
        self._register_load_state_dict_pre_hook(self._prepare_pos_embed)
        self.frozen = frozen
        self.trainable_pos_embed = trainable_pos_embed
        if frozen:
            self.freeze_pretrained()

    def _prompt_layout(self, num_prompts: Optional[int],
                       blocks: Tuple[int, ...],
                       per_set: Optional[int]) -> Tuple[int, int]:
        """Validate the prompt options; returns ``(M, m)``."""
        S = len(blocks)
        if per_set is not None and (per_set < 1 or not S):
            raise ValueError(
                f'prompts_per_set={per_set} needs a positive value and '
                'progressive_blocks; use prompts_per_set=None without '
                'progressive prompts.')
        if num_prompts is None:
            if per_set is None:
                raise ValueError('num_prompts=None needs prompts_per_set '
                                 '(then M = prompts_per_set * number of '
                                 'progressive sets).')
            num_prompts = per_set * S
        if num_prompts < 0:
            raise ValueError(f'num_prompts must be >= 0, got {num_prompts}')
        if S:
            bad = [b for b in blocks if not 0 <= b < self.num_layers]
            if bad or len(set(blocks)) != S:
                raise ValueError(
                    f'progressive_blocks={blocks} must be distinct block '
                    f'indices in [0, {self.num_layers}).')
            if per_set is None and (num_prompts == 0 or num_prompts % S):
                raise ValueError(
                    f'num_prompts={num_prompts} must be a positive multiple '
                    f'of the number of progressive sets '
                    f'(progressive_blocks={blocks}) for Eq. (1) '
                    '(M / S tokens per set); set prompts_per_set to fix the '
                    'tokens per set instead (e.g. Table 7: '
                    'prompts_per_set=3, num_prompts=None), or use '
                    'progressive_blocks=() to disable progressive prompts.')
            if per_set is not None and (num_prompts < per_set
                                        or num_prompts % per_set):
                raise ValueError(
                    f'num_prompts={num_prompts} must be a positive multiple '
                    f'of prompts_per_set={per_set} (the sets cycle over the '
                    'M prompt tokens); num_prompts=None gives each set its '
                    'own tokens.')
            if per_set is None:
                per_set = num_prompts // S  # Eq. (1): M^l = M / L
        else:
            per_set = 0
        return num_prompts, per_set

    # ------------------------------------------------------------------
    # freezing and weights
    # ------------------------------------------------------------------
    def freeze_pretrained(self) -> None:
        """Freeze patch embedding, cls token, blocks and final norm (and
        the position embedding unless ``trainable_pos_embed``)."""
        prefixes = PRETRAINED_PREFIXES + (
            () if self.trainable_pos_embed else ('pos_embed', ))
        for name, param in self.named_parameters():
            if name.startswith(prefixes):
                param.requires_grad = False

    def init_weights(self) -> None:
        """Default init, then load ``pretrained`` if given."""
        super().init_weights()
        if self.pretrained is None:
            return
        import os.path as osp
        if not osp.isfile(osp.expanduser(self.pretrained)):
            hint = f' Produce it with: {self.pretrained_hint}' \
                if self.pretrained_hint else ''
            raise FileNotFoundError(
                f'Pretrained encoder weights "{self.pretrained}" not found.'
                f'{hint} To train from random initialisation instead, set '
                'pretrained=None for this encoder (e.g. --cfg-options '
                'model.image_encoder.pretrained=None '
                'model.audio_encoder.pretrained=None).')
        ckpt = safe_torch_load(self.pretrained, map_location='cpu')
        state_dict = ckpt.get('state_dict', ckpt)
        if self.pretrained_prefix:
            n = len(self.pretrained_prefix)
            state_dict = {k[n:]: v for k, v in state_dict.items()
                          if k.startswith(self.pretrained_prefix)}
            if not state_dict:
                raise KeyError(f'{self.pretrained} has no keys starting with '
                               f'pretrained_prefix "{self.pretrained_prefix}"')
        self.load_pretrained_state_dict(state_dict, source=self.pretrained)

    def load_pretrained_state_dict(self, state_dict: dict,
                                   source: str = 'state dict') -> None:
        """Load encoder weights; only the prompts may be absent.

        Raises:
            KeyError: on unexpected keys or missing non-prompt keys.
        """
        missing, unexpected = self.load_state_dict(state_dict, strict=False)
        missing = [k for k in missing if not k.startswith('prompts')
                   and not k.startswith('progressive_prompts')]
        if missing or unexpected:
            raise KeyError(
                f'{source} does not match PromptedViT: missing {missing}, '
                f'unexpected {unexpected}. Convert timm/MAE checkpoints with '
                'tools/model_converters/{mae_face2mmfer,audiomae2mmfer}.py.')

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs):
        """Fit a checkpoint's pos_embed to this encoder.

        The checkpoints of ``tools/model_converters/`` hold ``1 + N'`` rows
        (cls + grid, no prompt rows): the grid is resized to this encoder's
        grid with bicubic interpolation if ``N'`` is a different square
        (the cls row kept), and this encoder's initial prompt rows are
        appended. Non-square grids are resized by the converters.
        """
        name = prefix + 'pos_embed'
        if name not in state_dict:
            return
        ckpt = state_dict[name]
        if ckpt.shape == self.pos_embed.shape:
            return
        n_grid = ckpt.shape[1] - 1
        if n_grid != self.num_patches:
            side = math.isqrt(n_grid)
            if side * side != n_grid:
                raise ValueError(
                    f'Cannot fit "{name}" of shape {tuple(ckpt.shape)} to '
                    f'{tuple(self.pos_embed.shape)} (grid '
                    f'{self.patch_resolution} + cls + {self.num_prompts} '
                    'prompts): a checkpoint pos_embed must have 1 + H*W '
                    'rows, and a non-square source grid has no known shape. '
                    'Resize it when converting (tools/model_converters/'
                    'audiomae2mmfer.py --src-grid H W --dst-grid H W).')
            ckpt = resize_pos_embed(ckpt, (side, side), self.patch_resolution,
                                    'bicubic', 1)  # (1, 1+N, D)
        prompt_rows = self.pos_embed.detach()[:, 1 + self.num_patches:]
        state_dict[name] = torch.cat([ckpt, prompt_rows.to(ckpt)], dim=1)

    # ------------------------------------------------------------------
    # per-block API
    # ------------------------------------------------------------------
    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Patch tokens with cls, prompts and position embedding.

        Args:
            x (Tensor): (B, C, H, W) images or fbanks.

        Returns:
            Tensor: (B, 1 + N + M, D) tokens.
        """
        B = x.shape[0]
        x, hw = self.patch_embed(x)  # (B, N, D)
        if tuple(hw) != self.patch_resolution:
            raise ValueError(
                f'Input of spatial size {tuple(x.shape[-2:])} gives a '
                f'{tuple(hw)} patch grid, but the encoder was built for '
                f'{self.patch_resolution} (img_size); resize the input or '
                'set img_size.')
        tokens = [self.cls_token.expand(B, -1, -1), x]
        if self.prompts is not None:
            tokens.append(self.prompts.expand(B, -1, -1))
        x = torch.cat(tokens, dim=1) + self.pos_embed  # (B, 1+N+M, D)
        x = self.drop_after_pos(x)
        return self.pre_norm(x)

    def draw_keep_masks(self, i: int, batch_size: int,
                        device=None,
                        dtype=None) -> Optional[Tuple[torch.Tensor,
                                                      torch.Tensor]]:
        """The stochastic-depth draws of block ``i`` for a batch.

        The draws of mmcv's ``DropPath`` (``floor(keep + rand(B, 1, 1))``,
        attention then MLP, from the default random stream), so that
        ``forward_block(i, x, masks)`` equals ``self.layers[i](x)`` under the
        same seed. Drawing them ahead lets a batch be split into chunks
        (e.g. by :class:`~mmfer.models.utils.CPUChunkParallel`) that see the
        draws of the whole batch.

        Returns:
            tuple[Tensor, Tensor] | None: (B, ) 0 / 1 keep masks of the
            attention and MLP branches; None when block ``i`` has no
            stochastic depth now (eval mode or drop probability 0).
        """
        if not self.layers[i].training or self.drop_path_probs[i] == 0:
            return None
        keep_prob = 1 - self.drop_path_probs[i]
        shape = (batch_size, 1, 1)
        return tuple(
            (keep_prob + torch.rand(shape, dtype=dtype, device=device)
             ).floor().flatten() for _ in range(2))

    def forward_block(self, i: int, x: torch.Tensor,
                      keep_masks: Optional[Tuple[torch.Tensor,
                                                 torch.Tensor]] = None
                      ) -> torch.Tensor:
        """Transformer block ``i``: (B, L, D) -> (B, L, D).

        In train mode with stochastic depth, the attention and MLP
        branches run only on the samples whose branch is kept: the
        mmpretrain block computes every branch and multiplies the dropped
        ones by 0. The output equals ``self.layers[i](x)`` with the same
        random draws.

        Args:
            i (int): block index.
            x (Tensor): (B, L, D) tokens.
            keep_masks (tuple[Tensor, Tensor], optional): the (B, ) keep
                masks of :meth:`draw_keep_masks` (drawn here when None).
        """
        layer = self.layers[i]
        if keep_masks is None:
            keep_masks = self.draw_keep_masks(i, x.shape[0], x.device,
                                              x.dtype)
        if keep_masks is None:
            return layer(x)
        keep_prob = 1 - self.drop_path_probs[i]
        keep_attn, keep_mlp = keep_masks
        x = self._residual(x, keep_attn, keep_prob,
                           lambda h: self._attention(layer, layer.ln1(h)))
        return self._residual(
            x, keep_mlp, keep_prob,
            lambda h: layer.ffn.gamma2(layer.ffn.layers(layer.ln2(h))))

    @staticmethod
    def _residual(x: torch.Tensor, keep: torch.Tensor, keep_prob: float,
                  branch) -> torch.Tensor:
        """``x + branch(x) * keep / keep_prob`` (DropPath), computing the
        branch on the kept samples only.

        Args:
            x (Tensor): (B, L, D).
            keep (Tensor): (B, ) 0 / 1 keep mask.
        """
        kept = keep.nonzero().flatten()  # (B_kept, )
        if kept.numel() == x.shape[0]:
            return x.add(branch(x), alpha=1 / keep_prob)
        if kept.numel() == 0:
            return x
        # the branch on the (B_kept, L, D) kept rows added into x: the
        # backward gathers the rows with index_select and scatters them
        # with index_add (indexing x[kept] would scatter with a serial
        # accumulating index_put)
        return x.index_add(0, kept, branch(x.index_select(0, kept)),
                           alpha=1 / keep_prob)

    @staticmethod
    def _attention(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The block's self-attention branch before its DropPath (mmpretrain
        ``MultiheadAttention.forward`` without ``out_drop``): (B, L, D) ->
        (B, L, D)."""
        attn = layer.attn
        B, N, _ = x.shape
        qkv = attn.qkv(x).reshape(B, N, 3, attn.num_heads,
                                  attn.head_dims).permute(2, 0, 3, 1, 4)
        # unbind: its backward stacks the three gradients (indexing qkv[j]
        # would zero-fill a full qkv-sized gradient per index)
        q, k, v = qkv.unbind(0)  # (B, h, N, d) each
        dropout_p = attn.attn_drop if attn.training else 0.
        x = attn.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)
        x = x.transpose(1, 2).reshape(B, N, attn.embed_dims)  # (B, N, D)
        return attn.gamma1(attn.proj_drop(attn.proj(x)))

    def add_progressive_prompts(self, i: int, x: torch.Tensor) -> torch.Tensor:
        """Eq. (1): add progressive set ``k`` after block
        ``progressive_blocks[k]``; other blocks return ``x`` unchanged.

        Args:
            i (int): index of the block just run.
            x (Tensor): (B, 1 + N + M, D) tokens.
        """
        if i not in self.progressive_blocks:
            return x
        k = self.progressive_blocks.index(i)
        m = self.progressive_prompts[k].shape[0]
        start = 1 + self.num_patches + self.progressive_offsets[k]
        # the set as (L, D) rows, zeros elsewhere: one add, and the
        # backward passes the gradient of x through unchanged (slicing and
        # concatenating x would copy it, and zero-fill it per slice in the
        # backward)
        rows = F.pad(self.progressive_prompts[k],
                     (0, 0, start, x.shape[1] - start - m))  # (L, D)
        return x + rows

    def final_norm(self, x: torch.Tensor) -> torch.Tensor:
        """The (frozen) final LayerNorm: (B, L, D) -> (B, L, D)."""
        return self.ln1(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Unimodal forward: (B, C, H, W) -> cls feature (B, D)."""
        x = self.embed(x)
        for i in range(self.num_layers):
            x = self.forward_block(i, x)
            x = self.add_progressive_prompts(i, x)
        return self.final_norm(x)[:, 0]
