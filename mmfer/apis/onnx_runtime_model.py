"""Run an mmfer model exported to ONNX (``tools/deployment/export_onnx.py``).

The exported graph is the model's tensor path after the data preprocessor:
``data_preprocessor(data)['inputs']`` -> ``model(inputs, mode='tensor')``
-> the head's activation, so the ONNX output is what the head's
``predict`` reports as scores: (B, K) softmax probabilities for expression
heads, (B, K) sigmoid probabilities for AU heads. :class:`ProbabilityModel`
is that path as an ``nn.Module`` (what the exporter traces), and
:func:`prediction_spec` says, for a built model, which activation its head
applies and which :class:`~mmfer.structures.FERDataSample` fields it fills.
The exporter writes the spec into the ONNX file's metadata, so
:class:`ONNXRuntimeModel` needs only the ``.onnx`` file and the config
(for the data preprocessor).
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from torch import nn

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample

METADATA_KEY = 'mmfer'
"""Key of the ONNX ``metadata_props`` entry holding the JSON spec."""

ACTIVATIONS = ('softmax', 'sigmoid', 'none')


def prediction_spec(model: nn.Module) -> dict:
    """What the head of ``model`` predicts and with which activation.

    Mirrors the heads' ``predict``: mmpretrain's ``ClsHead`` family
    (``LinearClsHead``, ``VisionTransformerClsHead``, ...) and MMA-DFER
    report softmax scores as ``pred_score`` / ``pred_label`` (argmax);
    :class:`~mmfer.models.heads.CMCNNClsHead` its ``activation`` (sigmoid
    by default, Eq. 4) with ``pred_label`` the argmax;
    :class:`~mmfer.models.heads.AUClsHead` sigmoid scores as
    ``pred_au_score`` and ``pred_au`` = score >= ``threshold``.

    Args:
        model (nn.Module): a built mmfer model with a ``head``.

    Returns:
        dict: ``task`` ('expression' | 'au'), ``activation`` ('softmax' |
        'sigmoid' | 'none'), ``threshold`` (AU only), ``average_clips``
        ('prob' | 'score', models with a multi-clip test mode only).
    """
    from mmpretrain.models.heads import ClsHead, MultiLabelClsHead

    from mmfer.models.heads import AUClsHead, CMCNNClsHead
    head = getattr(model, 'head', None)
    name = type(model).__name__
    if isinstance(head, AUClsHead):
        spec = dict(task='au', activation='sigmoid',
                    threshold=float(head.threshold))
    elif isinstance(head, CMCNNClsHead):
        spec = dict(task='expression', activation=head.activation or 'none')
    elif isinstance(head, MultiLabelClsHead):
        raise NotImplementedError(
            f'{name}: mmpretrain.{type(head).__name__} is not supported by '
            'the ONNX export; mmfer predicts AUs with AUClsHead (set '
            "model.head.type='AUClsHead').")
    elif isinstance(head, ClsHead):
        spec = dict(task='expression', activation='softmax')
    else:
        raise NotImplementedError(
            f'{name} with head {type(head).__name__} has no ONNX prediction '
            'spec: the export supports expression heads (mmpretrain '
            'ClsHead family, CMCNNClsHead) and AUClsHead. Pre-training '
            'models (MCM, MAE, ESGM) predict no labels; export a '
            'fine-tuned model.')
    test_cfg = getattr(model, 'test_cfg', None)
    if isinstance(test_cfg, dict) and 'average_clips' in test_cfg:
        spec['average_clips'] = test_cfg['average_clips']
    return spec


def apply_activation(scores: torch.Tensor, activation: str) -> torch.Tensor:
    """(B, K) scores -> softmax / sigmoid over K, or unchanged ('none')."""
    if activation == 'softmax':
        return torch.softmax(scores, dim=1)
    if activation == 'sigmoid':
        return torch.sigmoid(scores)
    if activation == 'none':
        return scores
    raise ValueError(f'activation must be one of {ACTIVATIONS}, '
                     f'got {activation!r}')


class ProbabilityModel(nn.Module):
    """``activation(model(inputs, mode='tensor'))``: the exported graph.

    Args:
        model (nn.Module): the mmfer model (eval mode).
        input_names (Sequence[str]): one name for a tensor input
            (``('inputs', )``); several for a dict-input model (e.g.
            ``('video', 'audio')`` of MMA-DFER), in the order the
            positional arguments of :meth:`forward` come.
        activation (str): from :func:`prediction_spec`.

    Examples:
        >>> from mmfer.models import FERClassifier
        >>> model = FERClassifier(
        ...     backbone=dict(type='mmpretrain.ResNet', depth=18,
        ...                   base_channels=8, stem_channels=8,
        ...                   out_indices=(3, )),
        ...     neck=dict(type='mmpretrain.GlobalAveragePooling'),
        ...     head=dict(type='mmpretrain.LinearClsHead', num_classes=7,
        ...               in_channels=64)).eval()
        >>> probs = ProbabilityModel(model)(torch.rand(2, 3, 32, 32))
        >>> probs.shape, bool(torch.allclose(probs.sum(1), torch.ones(2)))
        (torch.Size([2, 7]), True)
    """

    def __init__(self,
                 model: nn.Module,
                 input_names: Sequence[str] = ('inputs', ),
                 activation: Optional[str] = None):
        super().__init__()
        self.model = model
        self.input_names = tuple(input_names)
        self.activation = activation or prediction_spec(model)['activation']
        self.dict_inputs = self.input_names != ('inputs', )

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Inputs (B, ...) each, in ``input_names`` order -> (B, K)."""
        if self.dict_inputs:
            x = dict(zip(self.input_names, inputs))
        else:
            x = inputs[0]
        scores = self.model(x, mode='tensor')  # (B, K)
        return apply_activation(scores, self.activation)


def read_onnx_spec(onnx_file: str) -> dict:
    """The mmfer spec stored in an exported file's metadata.

    Raises:
        ValueError: the file carries no mmfer spec (exported otherwise).
    """
    import onnx
    proto = onnx.load(onnx_file, load_external_data=False)
    props = {p.key: p.value for p in proto.metadata_props}
    if METADATA_KEY not in props:
        raise ValueError(
            f'{onnx_file} has no "{METADATA_KEY}" metadata (input names, '
            'activation, task): export it with '
            'tools/deployment/export_onnx.py CONFIG CHECKPOINT --out '
            f'{osp.basename(onnx_file)}.')
    return json.loads(props[METADATA_KEY])


class ONNXRuntimeModel:
    """An exported mmfer model run by ONNX Runtime, with the torch model's
    ``test_step`` interface.

    The config's ``model.data_preprocessor`` (built with mmfer's registry,
    run in torch) stacks and normalises the batch; ONNX Runtime runs the
    graph; the probabilities fill the fields the head's ``predict`` fills
    (``pred_score`` / ``pred_label`` for expressions, ``pred_au_score`` /
    ``pred_au`` for AUs). A 2-clip video batch (B, K, T, C, H, W) of
    MMA-DFER is run as B * K clips and averaged as its ``test_cfg``
    ``average_clips`` says ('prob': mean of the probabilities; 'score':
    softmax of the mean log-probability, which equals softmax of the mean
    logits because each clip's log-sum-exp is a constant per clip).

    Args:
        onnx_file (str): from ``tools/deployment/export_onnx.py``.
        cfg (str | Config): the model's config.
        device (str): 'cpu' (CPUExecutionProvider) or 'cuda'
            (CUDAExecutionProvider). Defaults to 'cpu'.
        num_threads (int, optional): ONNX Runtime intra-op threads; None
            leaves ONNX Runtime's default (all cores).

    Attributes:
        cfg (Config), dataset_meta (dict, from the checkpoint at export),
        data_preprocessor (nn.Module), spec (dict, see
        :func:`prediction_spec`), input_names (list[str]).
    """

    def __init__(self,
                 onnx_file: str,
                 cfg: Union[str, Config],
                 device: str = 'cpu',
                 num_threads: Optional[int] = None):
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ImportError(
                'ONNXRuntimeModel needs onnxruntime: pip install '
                '"mmfer[export]" (or pip install onnx onnxruntime).') from err
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(
                f'ONNX file {onnx_file} does not exist; export one with '
                'tools/deployment/export_onnx.py CONFIG CHECKPOINT --out '
                f'{onnx_file}.')
        from mmfer.utils import register_all_modules
        register_all_modules()
        self.cfg = Config.fromfile(cfg) if isinstance(cfg, str) else cfg
        self.spec = read_onnx_spec(onnx_file)
        self.dataset_meta = self.spec.get('dataset_meta', {})
        self.data_preprocessor = MODELS.build(
            self.cfg.model.get('data_preprocessor') or
            dict(type='FERDataPreprocessor')).eval()
        if device not in ('cpu', 'cuda'):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
        providers = ['CPUExecutionProvider']
        if device == 'cuda':
            providers.insert(0, 'CUDAExecutionProvider')
        options = ort.SessionOptions()
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        self.session = ort.InferenceSession(
            onnx_file, options, providers=providers)
        self.input_names = [i.name for i in self.session.get_inputs()]
        self._input_ranks = {
            i.name: len(i.shape) for i in self.session.get_inputs()}
        self.device = device

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(inputs={self.input_names}, '
                f"task={self.spec['task']!r}, "
                f"activation={self.spec['activation']!r})")

    def _feeds(self, inputs: Union[torch.Tensor, Dict[str, torch.Tensor]]):
        """Numpy feeds (B', ...) and the clip count K (1 without clips)."""
        if not isinstance(inputs, dict):
            inputs = {'inputs': inputs}
        missing = [n for n in self.input_names if n not in inputs]
        if missing:
            raise ValueError(
                f'The ONNX model takes inputs {self.input_names} but the '
                f'data preprocessor gave {sorted(inputs)}; the config and '
                'the exported file must be the same model.')
        clips = 1
        feeds = {}
        for name in self.input_names:
            x = inputs[name].detach().float()
            if x.dim() == self._input_ranks[name] + 1:  # (B, K, ...) clips
                clips = x.shape[1]
                x = x.flatten(0, 1)  # (B*K, ...)
            feeds[name] = x
        for name, x in feeds.items():  # inputs without a clip axis repeat
            if clips > 1 and inputs[name].dim() == self._input_ranks[name]:
                feeds[name] = x.repeat_interleave(clips, dim=0)
        return {k: v.cpu().numpy() for k, v in feeds.items()}, clips

    def forward_probs(self, inputs) -> torch.Tensor:
        """Preprocessed inputs -> (B, K) probabilities, clips averaged."""
        feeds, clips = self._feeds(inputs)
        probs = torch.from_numpy(self.session.run(None, feeds)[0])
        if clips == 1:
            return probs  # (B, K)
        probs = probs.view(-1, clips, probs.shape[-1])  # (B, clips, K)
        if self.spec.get('average_clips', 'prob') == 'score':
            return torch.softmax(probs.log().mean(dim=1), dim=-1)
        return probs.mean(dim=1)

    @torch.no_grad()
    def test_step(self, data: dict) -> List[FERDataSample]:
        """Like ``BaseModel.test_step``: a collated batch -> data samples
        with predictions.

        Args:
            data (dict): ``inputs`` (list of per-sample tensors, or a dict
                of such lists) and ``data_samples``, e.g. from
                ``pseudo_collate``.

        Returns:
            list[FERDataSample]: one per sample, the given ones filled in.
        """
        data = self.data_preprocessor(data, False)
        probs = self.forward_probs(data['inputs'])  # (B, K)
        samples = data.get('data_samples')
        if samples is None:
            samples = [FERDataSample() for _ in range(probs.shape[0])]
        for sample, score in zip(samples, probs):
            if self.spec['task'] == 'au':
                sample.set_pred_au(score, self.spec['threshold'])
            else:
                sample.set_pred_score(score).set_pred_label(score.argmax())
        return samples
