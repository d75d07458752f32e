"""MMA-DFER: audio-visual dynamic FER from two frozen unimodal encoders.

MMA-DFER: MultiModal Adaptation of unimodal models for Dynamic Facial
Expression Recognition in-the-wild (Chumachenko et al., CVPR-W 2024),
https://arxiv.org/abs/2404.09010, Fig. 1, Sec. 3.
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from mmfer.models.utils import CPUChunkParallel, build_module, chunk_bounds
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from ..data_preprocessors import build_data_preprocessor

DEFAULT_PREPROCESSOR = dict(
    type='FERDataPreprocessor',
    mean=dict(video=[0., 0., 0.]),
    std=dict(video=[255., 255., 255.]))


@MODELS.register_module()
class MMADFER(BaseModel):
    """Two prompted encoders joined block by block by fusion modules,
    a joint projection, a temporal transformer and a linear classifier.

    Per clip (Fig. 1): the T frames (B*T, 3, H, W) run through the image
    encoder as a batch and the fbank (B, 1, 512, 128) through the audio
    encoder; after every block ``i`` the fusion module ``i`` exchanges
    information between the two token streams (video as (B, T, L_v, D)),
    then the progressive prompts of block ``i`` are added. After the last
    block, the (frozen) final norms give the cls tokens, image (B, T, D) and
    audio (B, D); Sec. 3.4::

        x = Linear(cls_img + cls_audio[:, None])    # (B, T, 512) joint module
        f = MTT(x)                                  # (B, 512)
        logits = head(f)                            # (B, num_classes)

    Without ``temporal`` the joint features are averaged over T (Table 4).
    Trainable: prompts, position embeddings (encoders with ``frozen=True``),
    fusion modules, joint projection, temporal transformer and head.

    Ablations: ``temporal_adaptor`` adds an intermediate temporal adaptor
    on the video stream after the fusion of every block (Table 2, "ITA");
    a single encoder (the other None, and ``fusion=None``) gives the
    single-modality models of Table 5: video only is
    ``joint_proj(cls_img)`` (B, T, joint_dims), then ``temporal`` or the
    mean over T; audio only is ``joint_proj(cls_audio)`` (B, joint_dims)
    (no frame axis: ``temporal=None``).

    Args:
        image_encoder (dict | nn.Module, optional): a :class:`PromptedViT`
            for faces; None for an audio-only model.
        audio_encoder (dict | nn.Module, optional): a :class:`PromptedViT`
            for fbanks, with the same depth; None for a video-only model.
        head (dict | nn.Module): an mmpretrain classification head on the
            joint feature, e.g. ``mmpretrain.LinearClsHead``.
        fusion (dict, optional): the fusion module config, built once per
            block (``in_channels`` defaults to the encoders' widths); None
            disables fusion. Defaults to ``FusionBottleneck`` with d = 128.
        temporal (dict | nn.Module, optional): the temporal module on
            (B, T, joint_dims); None averages over T. Defaults to
            :class:`MultimodalTemporalTransformer`.
        temporal_adaptor (dict, optional): a module on the video tokens
            (B, T, L_v, D), built once per block (``in_channels`` defaults
            to the image encoder's width), e.g.
            :class:`IntermediateTemporalAdaptor`; applied after the fusion
            of each block, before its progressive prompts. Defaults to
            None.
        joint_dims (int): width of the joint projection. Defaults to 512.
        video_key (str): input name of the clip. Defaults to ``'video'``.
        audio_key (str): input name of the fbank. Defaults to ``'audio'``.
        frozen_eval (bool): keep the frozen encoder modules in eval mode
            during training (no stochastic depth there). The official code
            trains them in train mode (drop path 0.1 active): default False.
        train_cfg (dict, optional): ``cpu_chunks`` (``'auto'``, an int or
            None, default None): on CPU, split each training batch into
            that many chunks of clips whose forward and backward run in
            parallel threads (``'auto'``: one per intra-op thread), see
            :class:`~mmfer.models.utils.CPUChunkParallel`. The clips are
            independent until the mean loss, and the stochastic-depth draws
            are made for the whole batch first, so the loss and gradients
            equal the unsplit batch's (to float rounding).
        test_cfg (dict, optional): ``average_clips`` = ``'prob'`` (mean of
            softmax scores, default) or ``'score'`` (mean of logits), used
            when a sample holds several clips: video (B, K, T, 3, H, W).
        data_preprocessor (dict, optional): defaults to scaling the video
            to [0, 1] (mean 0, std 255), as the official code.
        init_cfg (dict, optional): mmengine init config.

    Examples:
        >>> import torch
        >>> enc = dict(type='PromptedViT', arch=dict(
        ...     embed_dims=32, num_layers=2, num_heads=2,
        ...     feedforward_channels=64), patch_size=8,
        ...     num_prompts=2, progressive_blocks=(0, 1))
        >>> model = MMADFER(
        ...     image_encoder=dict(enc, img_size=16),
        ...     audio_encoder=dict(enc, img_size=(32, 16), in_channels=1),
        ...     fusion=dict(type='FusionBottleneck', latent_dims=8),
        ...     temporal=dict(type='MultimodalTemporalTransformer',
        ...                   num_heads=2, feedforward_channels=32,
        ...                   num_frames=4),
        ...     joint_dims=16,
        ...     head=dict(type='mmpretrain.LinearClsHead', num_classes=7,
        ...               in_channels=16))
        >>> inputs = dict(video=torch.rand(2, 4, 3, 16, 16),
        ...               audio=torch.rand(2, 1, 32, 16))
        >>> model(inputs, mode='tensor').shape
        torch.Size([2, 7])
    """

    def __init__(self,
                 image_encoder: Optional[Union[dict, nn.Module]],
                 audio_encoder: Optional[Union[dict, nn.Module]],
                 head: Union[dict, nn.Module],
                 fusion: Optional[dict] = dict(
                     type='FusionBottleneck', latent_dims=128),
                 temporal: Optional[Union[dict, nn.Module]] = dict(
                     type='MultimodalTemporalTransformer'),
                 temporal_adaptor: Optional[dict] = None,
                 joint_dims: int = 512,
                 video_key: str = 'video',
                 audio_key: str = 'audio',
                 frozen_eval: bool = False,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            init_cfg=init_cfg,
            data_preprocessor=build_data_preprocessor(
                data_preprocessor, default=DEFAULT_PREPROCESSOR))
        if image_encoder is None and audio_encoder is None:
            raise ValueError('MMADFER needs an image_encoder, an '
                             'audio_encoder or both.')
        self.image_encoder = build_module(image_encoder)
        self.audio_encoder = build_module(audio_encoder)
        encoders = self.encoders
        if len(encoders) == 2:
            if self.image_encoder.num_layers != \
                    self.audio_encoder.num_layers:
                raise ValueError(
                    'The image and audio encoders must have the same depth '
                    'to be fused block by block; got '
                    f'{self.image_encoder.num_layers} and '
                    f'{self.audio_encoder.num_layers}.')
            d_img = self.image_encoder.embed_dims
            d_aud = self.audio_encoder.embed_dims
            if d_img != d_aud:
                raise ValueError(
                    f'The joint step adds the image ({d_img}) and audio '
                    f'({d_aud}) cls tokens; their widths must match.')
        elif fusion is not None:
            raise ValueError(
                'fusion joins two encoders; a single-modality model '
                '(Table 5) needs fusion=None.')
        self.num_layers = encoders[0].num_layers
        D = encoders[0].embed_dims
        if self.image_encoder is None and (temporal is not None
                                           or temporal_adaptor is not None):
            raise ValueError(
                'An audio-only model has no frame axis: set temporal=None '
                'and temporal_adaptor=None.')

        if fusion is None:
            self.fusions = None
        else:
            if not isinstance(fusion, dict):
                raise TypeError('fusion must be a config dict (it is built '
                                'once per block) or None.')
            fusion = dict(fusion)
            fusion.setdefault('in_channels', (D, D))
            self.fusions = nn.ModuleList(
                [MODELS.build(fusion) for _ in range(self.num_layers)])
        if temporal_adaptor is None:
            self.temporal_adaptors = None
        else:
            if not isinstance(temporal_adaptor, dict):
                raise TypeError('temporal_adaptor must be a config dict (it '
                                'is built once per block) or None.')
            temporal_adaptor = dict(temporal_adaptor)
            temporal_adaptor.setdefault('in_channels', D)
            self.temporal_adaptors = nn.ModuleList([
                MODELS.build(temporal_adaptor)
                for _ in range(self.num_layers)
            ])

        # Joint adaptation module (Sec. 3.4): a single Linear layer
        self.joint_proj = nn.Linear(D, joint_dims)
        if isinstance(temporal, dict):
            temporal = dict(temporal)
            temporal.setdefault('embed_dims', joint_dims)
        self.temporal = build_module(temporal)
        self.head = build_module(head)

        self.video_key = video_key
        self.audio_key = audio_key
        self.frozen_eval = frozen_eval
        self.train_cfg = {'cpu_chunks': None, **(train_cfg or {})}
        unknown = set(self.train_cfg) - {'cpu_chunks'}
        if unknown:
            raise ValueError('Unknown MMADFER train_cfg keys '
                             f'{sorted(unknown)}; the only key is cpu_chunks.')
        self.chunk_parallel = CPUChunkParallel(self.train_cfg['cpu_chunks'])
        self.test_cfg = {'average_clips': 'prob', **(test_cfg or {})}
        if self.test_cfg['average_clips'] not in ('prob', 'score'):
            raise ValueError('test_cfg.average_clips must be "prob" or '
                             f'"score", got {self.test_cfg["average_clips"]}')

    @property
    def encoders(self) -> List[nn.Module]:
        """The encoders present (image first)."""
        return [e for e in (self.image_encoder, self.audio_encoder)
                if e is not None]

    def train(self, mode: bool = True):
        """Set train mode; with ``frozen_eval`` the frozen encoder modules
        stay in eval mode."""
        super().train(mode)
        if mode and self.frozen_eval:
            for enc in self.encoders:
                for name in ('patch_embed', 'pre_norm', 'layers', 'ln1'):
                    getattr(enc, name).eval()
        return self

    def _split_inputs(self, inputs: Dict[str, torch.Tensor]):
        """(video, audio) of ``inputs``; None for a stream without
        encoder."""
        needed = [k for k, enc in ((self.video_key, self.image_encoder),
                                   (self.audio_key, self.audio_encoder))
                  if enc is not None]
        if not isinstance(inputs, dict) or \
                any(k not in inputs for k in needed):
            got = sorted(inputs) if isinstance(inputs, dict) else \
                type(inputs).__name__
            raise ValueError(
                f'MMADFER takes inputs as a dict with {needed} '
                f'("{self.video_key}": (B, T, 3, H, W), "{self.audio_key}": '
                f'(B, 1, F, M)); got {got}. Pack them with PackFERInputs('
                f'input_keys=dict(imgs="{self.video_key}", '
                f'fbank="{self.audio_key}")).')
        video = inputs[self.video_key] \
            if self.image_encoder is not None else None
        audio = inputs[self.audio_key] \
            if self.audio_encoder is not None else None
        return video, audio

    @staticmethod
    def _check_pairs(video: Optional[torch.Tensor],
                     audio: Optional[torch.Tensor]) -> None:
        """One fbank per clip."""
        if video is not None and audio is not None and \
                audio.shape[0] != video.shape[0]:
            raise ValueError(
                f'{video.shape[0]} clips but {audio.shape[0]} fbanks.')

    def draw_drop_path_masks(self, batch_size: int,
                             num_frames: int = 1,
                             like: Optional[torch.Tensor] = None
                             ) -> List[tuple]:
        """The stochastic-depth draws of every block for a batch, in the
        order the unsplit forward draws them (block ``i`` of the image
        encoder, then of the audio encoder).

        Args:
            batch_size (int): clips B.
            num_frames (int): frames per clip T.
            like (Tensor, optional): the masks' device and dtype.

        Returns:
            list[tuple]: per block ``(video masks, audio masks)``, each the
            (B*T, ) / (B, ) keep-mask pair of
            :meth:`PromptedViT.draw_keep_masks` or None.
        """
        kw = {} if like is None else dict(device=like.device,
                                          dtype=like.dtype)
        img_enc, aud_enc = self.image_encoder, self.audio_encoder
        return [(None if img_enc is None else img_enc.draw_keep_masks(
            i, batch_size * num_frames, **kw),
                 None if aud_enc is None else aud_enc.draw_keep_masks(
                     i, batch_size, **kw)) for i in range(self.num_layers)]

    def extract_feat(self, video: Optional[torch.Tensor],
                     audio: Optional[torch.Tensor],
                     drop_path_masks: Optional[List[tuple]] = None
                     ) -> torch.Tensor:
        """Joint clip feature.

        Args:
            video (Tensor, optional): (B, T, 3, H, W) frames (None without
                image encoder).
            audio (Tensor, optional): (B, 1, F, M) fbank (None without
                audio encoder).
            drop_path_masks (list, optional): the blocks' stochastic-depth
                draws from :meth:`draw_drop_path_masks` (drawn here when
                None).

        Returns:
            Tensor: (B, joint_dims) (the temporal cls token, or the mean
            over frames without a temporal module).
        """
        img_enc, aud_enc = self.image_encoder, self.audio_encoder
        if img_enc is not None:
            if video is None or video.dim() != 5:
                shape = None if video is None else tuple(video.shape)
                raise ValueError(f'video must be (B, T, C, H, W), got {shape}')
            B, T = video.shape[:2]
        else:
            B, T = audio.shape[0], 1
        self._check_pairs(video, audio)
        if drop_path_masks is None:
            drop_path_masks = self.draw_drop_path_masks(
                B, T, video if img_enc is not None else audio)
        if img_enc is not None:
            v = img_enc.embed(video.flatten(0, 1))  # (B*T, Lv, D)
            Lv, D = v.shape[1:]
        if aud_enc is not None:
            a = aud_enc.embed(audio)  # (B, La, D)
        for i, (masks_v, masks_a) in enumerate(drop_path_masks):
            if img_enc is not None:
                v = img_enc.forward_block(i, v, masks_v)
            if aud_enc is not None:
                a = aud_enc.forward_block(i, a, masks_a)
            if self.fusions is not None:
                v, a = self.fusions[i](v.view(B, T, Lv, D), a)
                v = v.flatten(0, 1)  # (B*T, Lv, D)
            if self.temporal_adaptors is not None:
                v = self.temporal_adaptors[i](v.view(B, T, Lv, D))
                v = v.flatten(0, 1)  # (B*T, Lv, D)
            if img_enc is not None:
                v = img_enc.add_progressive_prompts(i, v)
            if aud_enc is not None:
                a = aud_enc.add_progressive_prompts(i, a)
        # the final norm is per token: normalise the cls tokens only
        if img_enc is None:  # audio only (Table 5)
            return self.joint_proj(aud_enc.final_norm(a[:, 0]))  # (B, J)
        v_cls = img_enc.final_norm(v[:, 0]).view(B, T, D)
        if aud_enc is None:  # video only (Table 5)
            x = self.joint_proj(v_cls)  # (B, T, joint_dims)
        else:
            a_cls = aud_enc.final_norm(a[:, 0])  # (B, D)
            x = self.joint_proj(v_cls + a_cls[:, None])  # (B, T, joint_dims)
        if self.temporal is None:
            return x.mean(dim=1)  # (B, joint_dims)
        return self.temporal(x)  # (B, joint_dims)

    def _logits(self, video, audio) -> torch.Tensor:
        return self.head((self.extract_feat(video, audio), ))

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[FERDataSample]] = None,
                mode: str = 'tensor'):
        """mmengine modes: ``'tensor'`` (logits (B, C)), ``'loss'`` (dict
        with the cross-entropy ``loss``) and ``'predict'`` (data samples
        with ``pred_score`` and ``pred_label``)."""
        video, audio = self._split_inputs(inputs)
        if mode == 'tensor':
            return self._logits(video, audio)
        if mode == 'loss':
            if video is not None and video.dim() != 5:
                raise ValueError('Training takes one clip per sample, video '
                                 f'(B, T, C, H, W); got {tuple(video.shape)}')
            return self.loss(video, audio, data_samples)
        if mode == 'predict':
            return self.predict(video, audio, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"; use "tensor", "loss" or '
                           '"predict".')

    def loss(self, video: Optional[torch.Tensor],
             audio: Optional[torch.Tensor],
             data_samples: List[FERDataSample]) -> Dict[str, torch.Tensor]:
        """The head's loss dict for a batch of clips; on CPU with
        ``train_cfg.cpu_chunks``, computed as chunks of clips in parallel
        threads (forward and backward) with the batch's drop-path draws.
        """
        self._check_pairs(video, audio)
        x = video if video is not None else audio
        B = x.shape[0]
        num_chunks = self.chunk_parallel.num_chunks_for(B, video, audio)
        if num_chunks == 1:
            return self._clip_loss(video, audio, data_samples)
        T = video.shape[1] if video is not None else 1
        masks = self.draw_drop_path_masks(B, T, x)
        bounds = chunk_bounds(B, num_chunks)

        def rows(t: Optional[torch.Tensor], start: int, stop: int):
            return None if t is None else t[start:stop]

        # the video masks have T rows per clip, the audio masks one
        chunks = [(rows(video, a, b), rows(audio, a, b), data_samples[a:b],
                   [tuple(None if pair is None else
                          tuple(rows(m, a * n, b * n) for m in pair)
                          for pair, n in zip(block, (T, 1)))
                    for block in masks])
                  for a, b in bounds]
        return self.chunk_parallel.loss(self._clip_loss, chunks,
                                        [(b - a) / B for a, b in bounds])

    def _clip_loss(self, video, audio, data_samples,
                   drop_path_masks=None) -> Dict[str, torch.Tensor]:
        return self.head.loss(
            (self.extract_feat(video, audio, drop_path_masks), ),
            data_samples)

    @torch.no_grad()
    def predict(self, video: torch.Tensor, audio: torch.Tensor,
                data_samples: Optional[List[FERDataSample]] = None
                ) -> List[FERDataSample]:
        """Predict expressions, averaging over clips for (B, K, T, ...)
        video (the "2-clip" test mode; the fbank is shared by the clips).
        """
        if video is not None and video.dim() == 6:
            B, K = video.shape[:2]
            if audio is not None:  # the clips share the fbank
                audio = audio.repeat_interleave(K, dim=0)  # (B*K, 1, F, M)
            logits = self._logits(video.flatten(0, 1), audio)
            logits = logits.view(B, K, -1)  # (B, K, C)
        else:
            logits = self._logits(video, audio)[:, None]  # (B, 1, C)
            B = logits.shape[0]
        if self.test_cfg['average_clips'] == 'prob':
            scores = F.softmax(logits, dim=-1).mean(dim=1)  # (B, C)
        else:
            scores = F.softmax(logits.mean(dim=1), dim=-1)  # (B, C)
        if data_samples is None:
            data_samples = [FERDataSample() for _ in range(B)]
        for sample, score in zip(data_samples, scores):
            sample.set_pred_score(score).set_pred_label(score.argmax())
        return data_samples
