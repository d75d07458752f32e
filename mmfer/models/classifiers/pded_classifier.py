"""EMPD fine-tuning: expression classification with decoupled domains."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from mmfer.models.utils import build_module
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from ..data_preprocessors.domain_augment import AUGMENTED_KEY
from ..necks.domain_decoupler import DomainDecoupler
from .fer_classifier import FERClassifier


@MODELS.register_module()
class PDEDClassifier(FERClassifier):
    """Staged backbone + decouplers + expression head + domain head.

    Zhong et al., "Expression-aware Masking and Progressive Decoupling for
    Cross-database Facial Expression Recognition" (EMPD), Sec. III-B
    (PDED, Eq. 9-13) and Algorithm 1
    (fine-tuning stage). The backbone is run stage by stage (a staged
    backbone: :class:`~mmfer.models.backbones.StagedResNet` /
    :class:`~mmfer.models.backbones.StagedViT`) and decouplers
    (:class:`~mmfer.models.necks.DomainDecoupler`) remove domain features
    ``F_d = Conv(F)`` from it. ``mode`` picks EMPD's variants (Table V):

    - ``'progressive'`` (PDED, Eq. 9): a decoupler after every stage ``i``,
      ``F^{i+1} = F^i - F_d^i`` is the next stage's input;
      ``F_exp = F^n`` is the last stage's output after its decoupler and
      ``F_dom = sum_i F_d^i`` (Eq. 10);
    - ``'single'``: one decoupler after the last stage;
    - ``'parallel'``: ``num_decouplers`` decouplers on the last-stage
      feature ``F``, ``F_exp = F - sum_k F_d^k``;
    - ``'cyclic'``: one decoupler applied ``num_decouplers`` times in a row
      to the last-stage feature, ``F <- F - D(F)``;
    - ``'none'``: the plain backbone (Table V's baseline); a domain loss
      only if a ``domain_head`` is given (then on the final pooled feature).
      The ``augment`` copies still train the expression head, so every
      variant sees the same data.

    ``F_dom`` goes to the domain head
    (:class:`~mmfer.models.necks.DomainClsHead`, which pools and projects
    each ``F_d`` to a common width before the Eq. 10 sum), the pooled
    ``F_exp`` to the expression head. Training loss (Eq. 13):
    ``L_ft = L_exp + lambda_2 L_dom``, logged as ``loss_cls`` (Eq. 11, the
    head's loss) and ``loss_domain`` (``lambda_2`` x Eq. 12), plus
    ``acc_domain`` (not a loss).

    Domain labels (``domain_source``):

    - ``'augment'`` (single source, the paper's RAF-DB / AffectNet
      setting): ``augment`` (default ``GaussianBlurDomainAugment``) appends
      blurred copies ``x_a`` of the training batch; originals are domain
      0, copies domain 1, and both train the expression head with the
      same label (Algorithm 1 feeds ``x_e`` or ``x_a`` with ``y_e``).
    - ``'dataset'`` (multi-source): domain = index of ``data_sample.domain``
      (the dataset name every mmfer dataset sets) in ``domain_names``.

    Prediction and ``mode='tensor'`` use ``F_exp`` only: no augmentation,
    the domain head is not run.

    Args:
        backbone (dict | nn.Module): a staged backbone (``num_stages``,
            ``stage_channels``, ``forward_stem``, ``forward_stage``,
            ``forward_head``).
        head (dict | nn.Module): the expression head on the pooled
            ``F_exp`` (B, C), e.g. ``mmpretrain.LinearClsHead``.
        domain_head (dict | nn.Module, optional): the domain classifier on
            ``F_dom``; ``in_channels`` (one per decoupling point) and
            ``num_domains`` are filled in unless given. None (default)
            means ``dict(type='DomainClsHead')`` when decoupling and no
            domain head (no domain loss) with ``mode='none'``; give one
            with ``'none'`` for a multi-task baseline on the final feature.
        mode (str): ``'progressive'``, ``'single'``, ``'parallel'``,
            ``'cyclic'`` or ``'none'``. Defaults to ``'progressive'``.
        num_decouplers (int, optional): decoupler outputs; defaults to the
            stage count for ``'progressive'`` (which requires exactly
            that), 1 for ``'single'`` (required), 4 for ``'parallel'``
            and ``'cyclic'``, 0 for ``'none'`` (required).
        decoupler (dict): other :class:`DomainDecoupler` arguments
            (``kind``, ``zero_init``). Defaults to
            ``dict(kind='conv3x3')``; ViT backbones need ``'linear'``.
        domain_loss_weight (float): ``lambda_2`` of Eq. 13. Defaults to 1.0
            (the paper's value).
        domain_source (str): ``'augment'`` or ``'dataset'``. Defaults to
            ``'augment'``.
        domain_names (Sequence[str], optional): the source datasets'
            ``domain`` names for ``domain_source='dataset'``.
        augment (dict | nn.Module, optional): the ``x_a`` generator for
            ``domain_source='augment'``. Defaults to
            ``dict(type='GaussianBlurDomainAugment')``. None with
            ``'augment'``: the batch must already carry the
            ``domain_augmented`` flag (the augment in the data
            preprocessor's ``batch_augments``).
        data_preprocessor (dict, optional): defaults to
            ``dict(type='FERDataPreprocessor')``.
        init_cfg (dict, optional): initialisation config.

    Examples:
        >>> model = PDEDClassifier(
        ...     backbone=dict(type='StagedResNet', depth=18,
        ...                   stem_channels=8, base_channels=8),
        ...     head=dict(type='mmpretrain.LinearClsHead', num_classes=7,
        ...               in_channels=64,
        ...               loss=dict(type='mmpretrain.CrossEntropyLoss')))
        >>> len(model.decouplers), model.decoupling_points
        (4, (0, 1, 2, 3))
        >>> model(torch.rand(2, 3, 64, 64), mode='tensor').shape
        torch.Size([2, 7])
    """

    MODES = ('progressive', 'single', 'parallel', 'cyclic', 'none')
    DOMAIN_SOURCES = ('augment', 'dataset')

    def __init__(self,
                 backbone: Union[dict, nn.Module],
                 head: Union[dict, nn.Module],
                 domain_head: Optional[Union[dict, nn.Module]] = None,
                 mode: str = 'progressive',
                 num_decouplers: Optional[int] = None,
                 decoupler: dict = dict(kind='conv3x3'),
                 domain_loss_weight: float = 1.0,
                 domain_source: str = 'augment',
                 domain_names: Optional[Sequence[str]] = None,
                 augment: Optional[Union[dict, nn.Module]] = dict(
                     type='GaussianBlurDomainAugment'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        for attr in ('num_stages', 'stage_channels', 'forward_stem',
                     'forward_stage', 'forward_head'):
            if not hasattr(self.backbone, attr):
                raise TypeError(
                    f'PDEDClassifier: the backbone '
                    f'{type(self.backbone).__name__} has no {attr}; use a '
                    "staged backbone (type='StagedResNet' or 'StagedViT').")
        if mode not in self.MODES:
            raise ValueError(f'PDEDClassifier: mode must be one of '
                             f'{self.MODES}, got {mode!r}.')
        if domain_source not in self.DOMAIN_SOURCES:
            raise ValueError(f'PDEDClassifier: domain_source must be one of '
                             f'{self.DOMAIN_SOURCES}, got {domain_source!r}.')
        self.mode = mode
        self.domain_loss_weight = domain_loss_weight
        self.domain_source = domain_source
        self._build_decouplers(num_decouplers, dict(decoupler))
        self._build_domain_branch(domain_head, domain_names, augment)

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------
    def _build_decouplers(self, num: Optional[int], cfg: dict) -> None:
        n_stages = self.backbone.num_stages
        required = dict(progressive=n_stages, single=1, none=0)
        default = dict(required, parallel=4, cyclic=4)[self.mode]
        num = default if num is None else num
        if self.mode in required and num != required[self.mode]:
            raise ValueError(
                f"PDEDClassifier: mode={self.mode!r} has {required[self.mode]}"
                f' decoupler output(s) with this backbone ({n_stages} stages)'
                f', got num_decouplers={num}; leave num_decouplers=None.')
        if num < 1 and self.mode != 'none':
            raise ValueError(f'PDEDClassifier: mode={self.mode!r} needs '
                             f'num_decouplers >= 1, got {num}.')
        self.num_decouplers = num
        channels = self.backbone.stage_channels
        if self.mode == 'progressive':
            in_channels = list(channels)  # one per stage
            self.decoupling_points = tuple(range(n_stages))
        else:  # every decoupler output is taken at the last stage
            modules = 1 if self.mode == 'cyclic' else num
            in_channels = [channels[-1]] * modules
            self.decoupling_points = (0, ) * num
        self.decouplers = nn.ModuleList(
            DomainDecoupler(c, **cfg) for c in in_channels)

    def _build_domain_branch(self, domain_head, domain_names, augment):
        if self.domain_source == 'dataset':
            if not domain_names or len(set(domain_names)) != len(
                    domain_names) or len(domain_names) < 2:
                raise ValueError(
                    "PDEDClassifier: domain_source='dataset' needs "
                    'domain_names, the distinct data_sample.domain names of '
                    f'the >= 2 source datasets; got {domain_names!r}.')
            if augment is not None:
                raise ValueError(
                    "PDEDClassifier: augment makes domain labels for "
                    "domain_source='augment' (single source); with "
                    "domain_source='dataset' set augment=None.")
            num_domains = len(domain_names)
        else:
            num_domains = 2
        self.domain_names = tuple(domain_names) if domain_names else None
        self.augment = build_module(augment)
        if domain_head is None and self.mode == 'none':
            self.domain_head = None  # the plain baseline: L_exp only
            return
        if domain_head is None:
            domain_head = dict(type='DomainClsHead')
        if isinstance(domain_head, dict):
            domain_head = dict(domain_head)
            # one projection per decoupling point: every stage, or the
            # last one (single / parallel / cyclic, and 'none''s F_exp)
            channels = self.backbone.stage_channels
            default_in = (channels if self.mode == 'progressive' else
                          channels[-1:])
            domain_head.setdefault('in_channels', tuple(default_in))
            domain_head.setdefault('num_domains', num_domains)
        self.domain_head = build_module(domain_head)
        if self.domain_head.num_domains != num_domains:
            raise ValueError(
                f'PDEDClassifier: domain_head.num_domains='
                f'{self.domain_head.num_domains} but domain_source='
                f'{self.domain_source!r} gives {num_domains} domains.')

    # ------------------------------------------------------------------
    # forward
    # ------------------------------------------------------------------
    def decouple(self, inputs: torch.Tensor
                 ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Run the backbone with the decouplers of ``mode``.

        Args:
            inputs (torch.Tensor): (B, C, H, W) images.

        Returns:
            tuple: ``F_exp`` pooled, (B, C_n), and the list of domain
            features ``F_d`` in the order they were taken (shapes of their
            stages' outputs; taken at ``self.decoupling_points``).
        """
        bb = self.backbone
        x = bb.forward_stem(inputs)
        domain_feats = []
        for i in range(bb.num_stages):
            x = bb.forward_stage(i, x)  # F^i
            if self.mode == 'progressive':
                x, f_d = self.decouplers[i](x)  # Eq. 9: F^{i+1} = F^i - F_d^i
                domain_feats.append(f_d)
        if self.mode == 'single':
            x, f_d = self.decouplers[0](x)
            domain_feats.append(f_d)
        elif self.mode == 'parallel':
            domain_feats = [d.domain_feature(x) for d in self.decouplers]
            x = x - torch.stack(domain_feats).sum(0)  # F - sum_k F_d^k
        elif self.mode == 'cyclic':
            for _ in range(self.num_decouplers):
                x, f_d = self.decouplers[0](x)  # the same decoupler again
                domain_feats.append(f_d)
        return bb.forward_head(x), domain_feats  # Eq. 10: F_exp = F^n

    def extract_feat(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """``(F_exp, )``: the pooled expression feature (B, C_n) in a tuple,
        as mmpretrain heads take a backbone's tuple of outputs."""
        return (self.decouple(inputs)[0], )

    def domain_labels(self,
                      data_samples: List[FERDataSample]) -> torch.Tensor:
        """(B,) domain indices of a training batch (see ``domain_source``)."""
        labels = []
        for s in data_samples:
            if self.domain_source == 'augment':
                if AUGMENTED_KEY not in s:
                    raise KeyError(
                        "PDEDClassifier(domain_source='augment'): a data "
                        f'sample has no {AUGMENTED_KEY!r} flag; set '
                        "model.augment=dict(type='GaussianBlurDomainAugment')"
                        " or add it to the data_preprocessor's "
                        'batch_augments.')
                labels.append(int(bool(s.get(AUGMENTED_KEY))))
                continue
            domain = s.get('domain')
            if domain not in self.domain_names:
                raise ValueError(
                    f'PDEDClassifier: data_sample.domain={domain!r} is not '
                    f'in domain_names={list(self.domain_names)}; list every '
                    "source dataset's domain name (its dataset's `domain` "
                    'argument) in model.domain_names.')
            labels.append(self.domain_names.index(domain))
        return torch.tensor(labels, dtype=torch.long)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[FERDataSample]) -> Dict[str, torch.Tensor]:
        """Eq. 13: ``loss_cls`` (Eq. 11) and ``loss_domain`` (lambda_2 x
        Eq. 12) of a training batch (plus ``x_a`` with ``'augment'``)."""
        if self.augment is not None:
            if data_samples and AUGMENTED_KEY in data_samples[0]:
                raise RuntimeError(
                    'PDEDClassifier: the batch is already domain-augmented '
                    '(data_preprocessor batch_augments); set '
                    'model.augment=None to augment once.')
            inputs, data_samples = self.augment(inputs, data_samples)
        f_exp, domain_feats = self.decouple(inputs)
        # Eq. 11 (the head's loss, e.g. cross-entropy), logged as loss_cls
        losses = {('loss_cls' if k == 'loss' else k): v
                  for k, v in self.head.loss((f_exp, ), data_samples).items()}
        if self.domain_head is None:
            return losses
        labels = self.domain_labels(data_samples).to(f_exp.device)
        if self.mode == 'none':  # multi-task baseline: no decoupled F_d
            domain_feats, points = [f_exp], (0, )
        else:
            points = self.decoupling_points
        logits = self.domain_head(domain_feats, points)  # on Eq. 10 F_dom
        losses['loss_domain'] = self.domain_loss_weight * \
            self.domain_head.loss(logits, labels)  # Eq. 13: lambda_2 L_dom
        losses['acc_domain'] = self.domain_head.accuracy(logits.detach(),
                                                          labels)
        return losses

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[FERDataSample]] = None,
                mode: str = 'tensor'):
        """``'tensor'``: expression logits from ``F_exp``; ``'loss'``: Eq. 13
        terms; ``'predict'``: data samples with expression predictions."""
        if mode == 'loss':
            self.check_input_channels(inputs, data_samples)
            return self.loss(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)
