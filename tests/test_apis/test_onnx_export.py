"""tools/deployment/export_onnx.py and mmfer.apis.onnx_runtime_model.

ONNX Runtime's probabilities equal torch's (1e-4) at two batch sizes of
one exported file (dynamic batch) on the quickstart ResNet and a tiny AU
ViT, and ``ONNXRuntimeModel.test_step`` fills the same prediction fields
with the same values as the torch model's ``test_step``.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

pytest.importorskip('onnxruntime')
pytest.importorskip('onnxscript')

import onnx  # noqa: E402

from mmfer.apis.onnx_runtime_model import (ONNXRuntimeModel,  # noqa: E402
                                           ProbabilityModel, prediction_spec,
                                           read_onnx_spec)
from mmfer.structures import FERDataSample  # noqa: E402
from tool_scripts import load_tool  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(REPO, 'configs', 'quickstart',
                      'resnet18-w32_synthface-expr-rgb-64px.py')
MCM_TINY = osp.join(REPO, 'configs', 'mcm',
                    'mcm_vit-tiny-p8_scratch_20e_synthface-bp4d-rgbd-64px.py')
# a smaller ViT than the config's (2 blocks of width 32, 8x8 patches)
VIT_OVERRIDES = {
    'model.backbone.arch': dict(embed_dims=32, num_layers=2, num_heads=2,
                                feedforward_channels=64),
    'model.head.in_channels': 32,
}
CLASSES = ['neutral', 'happy', 'sad', 'surprise', 'fear', 'disgust', 'anger']


tool = load_tool('deployment', 'export_onnx.py')


def _spread_head(model, seed=0):
    """Head weights of std 0.5: probabilities far from uniform (the
    configs' initialisations give near-constant outputs)."""
    torch.manual_seed(seed)
    for p in model.head.parameters():
        torch.nn.init.normal_(p, std=0.5)


def _batch(num, shape, seed):
    """A collated batch of uint8 images (C, H, W) as the test pipeline
    packs them, and empty data samples."""
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)
              for _ in range(num)]
    return dict(inputs=inputs, data_samples=[FERDataSample()
                                             for _ in range(num)])


def _copy(batch):
    return dict(inputs=list(batch['inputs']),
                data_samples=[FERDataSample() for _ in batch['inputs']])


@pytest.fixture(scope='module')
def quickstart(tmp_path_factory):
    """The quickstart model saved as a checkpoint and exported by the CLI
    (with --check)."""
    root = tmp_path_factory.mktemp('onnx_quickstart')
    model = tool.load_model(QUICKSTART, None)
    _spread_head(model)
    ckpt = str(root / 'model.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': CLASSES}}}, ckpt)
    onnx_file = str(root / 'model.onnx')
    spec = tool.main([QUICKSTART, ckpt, '--out', onnx_file, '--check'])
    return dict(ckpt=ckpt, onnx=onnx_file, spec=spec,
                model=tool.load_model(QUICKSTART, ckpt))


@pytest.fixture(scope='module')
def tiny_vit(tmp_path_factory):
    """A tiny MCM AU ViT (random init, spread head) exported in Python."""
    model = tool.load_model(MCM_TINY, None, VIT_OVERRIDES)
    _spread_head(model, seed=1)
    onnx_file = str(tmp_path_factory.mktemp('onnx_vit') / 'au_vit.onnx')
    shapes = tool.default_input_shapes(model.cfg)
    spec = tool.export_onnx(model, onnx_file, shapes)
    return dict(onnx=onnx_file, spec=spec, model=model, shapes=shapes)


def test_cli_export_writes_spec_and_checks_parity(quickstart, capsys):
    spec = quickstart['spec']
    assert spec['task'] == 'expression' and spec['activation'] == 'softmax'
    assert spec['input_names'] == ['inputs']
    assert spec['input_shapes'] == {'inputs': [3, 64, 64]}
    assert max(spec['parity'].values()) < 1e-4
    stored = read_onnx_spec(quickstart['onnx'])
    assert stored['dataset_meta'] == {'classes': CLASSES}
    proto = onnx.load(quickstart['onnx'])
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and [d.dim_value for d in dims[1:]] == [3, 64,
                                                                    64]
    assert [o.name for o in proto.graph.output] == ['probs']


@pytest.mark.parametrize('name', ['quickstart', 'tiny_vit'])
def test_onnxruntime_equals_torch_at_two_batch_sizes(name, request):
    case = request.getfixturevalue(name)
    shapes = case.get('shapes', {'inputs': (3, 64, 64)})
    diffs = tool.check_parity(case['model'], case['onnx'], shapes,
                              batch_sizes=(1, 5), seed=3)
    assert set(diffs) == {1, 5}
    assert max(diffs.values()) < 1e-4, diffs
    # the outputs are probabilities that vary between inputs
    probs = ProbabilityModel(case['model'])(torch.randn(4, *shapes['inputs']))
    assert probs.min() >= 0 and probs.max() <= 1
    assert (probs.std(dim=0) > 1e-3).any()


def test_runtime_test_step_matches_torch_expression(quickstart):
    runtime = ONNXRuntimeModel(quickstart['onnx'], QUICKSTART)
    assert runtime.input_names == ['inputs']
    assert runtime.dataset_meta == {'classes': CLASSES}
    assert isinstance(runtime.cfg, Config)
    batch = _batch(6, (3, 64, 64), seed=0)
    ref = quickstart['model'].test_step(_copy(batch))
    out = runtime.test_step(_copy(batch))
    assert len(out) == 6 and all(isinstance(s, FERDataSample) for s in out)
    for o, r in zip(out, ref):
        torch.testing.assert_close(o.pred_score, r.pred_score, atol=1e-4,
                                   rtol=0)
        assert torch.equal(o.pred_label, r.pred_label)
        assert o.pred_score.shape == (7, ) and 'pred_au' not in o


def test_runtime_test_step_matches_torch_au(tiny_vit):
    assert tiny_vit['spec']['task'] == 'au'
    assert tiny_vit['spec']['threshold'] == 0.5
    runtime = ONNXRuntimeModel(tiny_vit['onnx'], tiny_vit['model'].cfg)
    batch = _batch(3, (3, 64, 64), seed=1)
    ref = tiny_vit['model'].test_step(_copy(batch))
    out = runtime.test_step(_copy(batch))
    for o, r in zip(out, ref):
        torch.testing.assert_close(o.pred_au_score, r.pred_au_score,
                                   atol=1e-4, rtol=0)
        assert torch.equal(o.pred_au, r.pred_au)
        assert o.pred_au_score.shape == (12, ) and 'pred_score' not in o
    # both AU states occur (the threshold is exercised)
    assert 0 < torch.stack([o.pred_au for o in out]).mean() < 1


def test_prediction_spec_per_head():
    cm_head = Config(dict(model=dict(
        type='MultiModalFERClassifier',
        backbones=dict(gray=dict(type='TextureFEN', arch='tiny'),
                       depth=dict(type='DepthFEN', arch='tiny')),
        modalities=('gray', 'depth'),
        neck=dict(type='CMFN', in_channels=16, num_modalities=2),
        head=dict(type='CMCNNClsHead', in_channels=64))))
    from mmfer.registry import MODELS
    model = MODELS.build(cm_head.model)
    assert prediction_spec(model) == dict(task='expression',
                                          activation='sigmoid')
    model.head = torch.nn.Linear(4, 2)
    with pytest.raises(NotImplementedError, match='Linear'):
        prediction_spec(model)


def test_default_input_shapes_and_bad_shapes():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'mma_dfer',
        'mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py'))
    assert tool.default_input_shapes(cfg) == {
        'video': (8, 3, 64, 64), 'audio': (1, 512, 128)}
    assert tool.parse_input_shapes(['video=8,3,64,64', 'audio=1,512,128']) \
        == {'video': (8, 3, 64, 64), 'audio': (1, 512, 128)}
    with pytest.raises(ValueError, match='comma-separated'):
        tool.parse_input_shapes(['3x64x64'])
    with pytest.raises(ValueError, match='name every input'):
        tool.parse_input_shapes(['3,64,64', 'audio=1,8,8'])
    cfg = Config(dict(model=dict(backbone=dict(type='mmpretrain.ResNet'))))
    with pytest.raises(ValueError, match='--input-shape'):
        tool.default_input_shapes(cfg)


def test_onnx_without_mmfer_metadata_is_refused(tmp_path):
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node('Identity', ['x'], ['y'])], 'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1])])
    path = str(tmp_path / 'other.onnx')
    onnx.save(helper.make_model(graph), path)
    with pytest.raises(ValueError, match='other.onnx.*export_onnx.py'):
        ONNXRuntimeModel(path, QUICKSTART)
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        ONNXRuntimeModel(str(tmp_path / 'missing.onnx'), QUICKSTART)
    with pytest.raises(ValueError, match=r'\.onnx'):
        tool.main([QUICKSTART, '--out', str(tmp_path / 'model.bin')])
