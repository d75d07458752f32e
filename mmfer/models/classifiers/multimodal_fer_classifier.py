"""One backbone per modality -> fusion neck -> head (e.g. CM-CNN)."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import ModuleDict
from torch import nn

from mmfer.models.backbones.cm_cnn_fen import BaseFEN
from mmfer.models.utils import build_module
from mmfer.registry import MODELS
from mmfer.structures.modalities import (channel_slices, check_modalities,
                                         loaded_modalities_note,
                                         modality_channels)
from .fer_classifier import FERClassifier


@MODELS.register_module()
class MultiModalFERClassifier(FERClassifier):
    """Per-modality backbones, a fusion neck and a head.

    The input is the stacked (B, C, H, W) tensor of mmfer's multi-modal
    datasets: the channel groups of ``modalities`` in order
    (:func:`mmfer.structures.modalities.channel_slices`, e.g. ('gray',
    'lbp', 'depth') = channels 0, 1, 2). Each group goes through its own
    backbone (the FENs of CM-CNN, Ni et al., "Facial Expression
    Recognition Through Cross-Modality Attention Fusion", IEEE TCDS 2023,
    Fig. 2); the neck gets the tuple of the M last backbone maps, in
    ``modalities`` order (e.g. :class:`mmfer.models.necks.CMFN` or
    :class:`mmfer.models.necks.ConcatPoolFusion`; with one modality any
    single-input neck such as ``mmpretrain.GlobalAveragePooling``), and the
    head the neck output. The forward modes (``'tensor'``, ``'loss'``,
    ``'predict'``) and ``init_weights`` are :class:`FERClassifier`'s; only
    ``extract_feat`` differs (channel split, one backbone per group).

    Args:
        backbones (dict): modality name -> backbone config or module; the
            keys must equal ``modalities``. With ``share_backbones=True``
            one backbone config / module for all modalities.
        modalities (Sequence[str]): channel groups of the input, in order.
            Defaults to ``('gray', 'lbp', 'depth')``.
        neck (dict | nn.Module, optional): fusion neck; None passes the
            tuple of maps to the head.
        head (dict | nn.Module): the task head.
        data_preprocessor (dict, optional): defaults to
            ``dict(type='FERDataPreprocessor')``.
        share_backbones (bool): run one backbone on every modality (their
            channel counts must be equal); its weights appear under every
            ``backbones.<modality>.`` key. Defaults to False.
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> model = MultiModalFERClassifier(
        ...     backbones=dict(gray=dict(type='TextureFEN', arch='tiny'),
        ...                    depth=dict(type='DepthFEN', arch='tiny')),
        ...     modalities=('gray', 'depth'),
        ...     neck=dict(type='CMFN', in_channels=16, num_modalities=2),
        ...     head=dict(type='CMCNNClsHead', in_channels=64))
        >>> model(torch.rand(2, 2, 48, 48), mode='tensor').shape
        torch.Size([2, 6])
    """

    def __init__(self,
                 backbones: Union[Dict[str, Union[dict, nn.Module]], dict,
                                  nn.Module],
                 head: Union[dict, nn.Module],
                 modalities: Sequence[str] = ('gray', 'lbp', 'depth'),
                 neck: Optional[Union[dict, nn.Module]] = None,
                 data_preprocessor: Optional[dict] = None,
                 share_backbones: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=None,
            head=head,
            neck=neck,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        # self.backbone stays None: one backbone per modality instead
        self.modalities = check_modalities(
            modalities, owner='MultiModalFERClassifier (model.modalities)')
        self.channel_slices = channel_slices(self.modalities)
        self.in_channels = modality_channels(self.modalities)
        self.share_backbones = share_backbones
        # mmengine's ModuleDict: init_weights() reaches every backbone
        self.backbones = ModuleDict(self._build_backbones(backbones))

    def _build_backbones(self, backbones) -> Dict[str, nn.Module]:
        if self.share_backbones:
            if not isinstance(backbones, nn.Module) and not (
                    isinstance(backbones, dict) and 'type' in backbones):
                raise ValueError(
                    'MultiModalFERClassifier(share_backbones=True): '
                    'model.backbones must be one backbone config (a dict '
                    "with 'type') or module, shared by all modalities.")
            widths = {s.stop - s.start for s in self.channel_slices.values()}
            if len(widths) > 1:
                raise ValueError(
                    'MultiModalFERClassifier(share_backbones=True): the '
                    f'modalities {self.modalities} differ in channel count; '
                    'a shared backbone needs equal ones. Set '
                    'share_backbones=False and give one backbone each.')
            shared = build_module(backbones)
            built = {m: shared for m in self.modalities}
        else:
            if not isinstance(backbones, dict) or 'type' in backbones or \
                    set(backbones) != set(self.modalities):
                got = sorted(backbones) if isinstance(backbones, dict) and \
                    'type' not in backbones else type(backbones).__name__
                raise ValueError(
                    'MultiModalFERClassifier: model.backbones must map every '
                    f'entry of model.modalities {list(self.modalities)} to a '
                    f'backbone config, got {got}. Make the keys equal, or '
                    'give one config with share_backbones=True.')
            built = {m: build_module(backbones[m]) for m in self.modalities}
        for m, backbone in built.items():
            cfg = backbones if self.share_backbones else backbones[m]
            self._check_in_channels(m, cfg, backbone)
        return built

    def _check_in_channels(self, modality: str, cfg, backbone: nn.Module):
        """The backbone's input channels (its config's ``in_channels``, or
        a FEN's) must be the modality's channel count."""
        want = self.channel_slices[modality].stop - \
            self.channel_slices[modality].start
        if isinstance(cfg, dict) and 'in_channels' in cfg:
            got = cfg['in_channels']
        elif isinstance(backbone, BaseFEN):
            got = backbone.in_channels
        else:  # other backbones use in_channels for other things
            return
        if got != want:
            raise ValueError(
                f'MultiModalFERClassifier: modality {modality!r} has {want} '
                f'channel(s) but model.backbones.{modality} takes '
                f'in_channels={got}; set model.backbones.{modality}.'
                f'in_channels={want}.')

    def check_input_channels(
            self,
            inputs: torch.Tensor,
            data_samples: Optional[Sequence] = None) -> None:
        """Refuse a batch that is not (B, C, H, W) with the C channels of
        ``model.modalities``; the message names the modalities the
        pipeline loaded when the data samples carry them."""
        if inputs.dim() == 4 and inputs.shape[1] == self.in_channels:
            return
        groups = ', '.join(
            f'{m}: {s.stop - s.start}'
            for m, s in self.channel_slices.items())
        loaded = loaded_modalities_note(data_samples)
        loaded = f' ({loaded})' if loaded else ''
        raise ValueError(
            f'MultiModalFERClassifier: the input has shape '
            f'{tuple(inputs.shape)}{loaded}, but model.modalities '
            f'{self.modalities} stack {self.in_channels} channels '
            f'({groups}). Make the dataset\'s modalities and '
            'model.modalities / model.backbones (and the '
            'data_preprocessor mean/std) list the same modalities.')

    def extract_backbone_feats(self, inputs: torch.Tensor
                               ) -> Tuple[torch.Tensor, ...]:
        """The M last backbone maps of a (B, C, H, W) batch, in
        ``modalities`` order (the neck's input; e.g. for
        ``model.neck(maps, return_attention=True)``)."""
        self.check_input_channels(inputs)
        return tuple(
            self._last_map(self.backbones[m](inputs[:, s]))
            for m, s in self.channel_slices.items())  # M x (B, C, h, w)

    def extract_feat(self, inputs: torch.Tensor):
        """Neck output of a (B, C, H, W) batch (the tuple of the M last
        backbone maps when there is no neck)."""
        feats = self.extract_backbone_feats(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        return feats

    @staticmethod
    def _last_map(out: Union[torch.Tensor, Tuple[torch.Tensor]]
                  ) -> torch.Tensor:
        return out[-1] if isinstance(out, (tuple, list)) else out

    def get_layer_depth(self, param_name: str):
        raise NotImplementedError(
            'MultiModalFERClassifier has no layer-wise lr decay (one '
            'backbone per modality); use a plain optimizer wrapper.')
