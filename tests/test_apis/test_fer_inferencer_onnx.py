"""FERInferencer / init_model given an .onnx checkpoint: the same results as
the torch model (ONNX Runtime through ONNXRuntimeModel)."""
import os.path as osp

import numpy as np
import pytest
import torch
from matplotlib import cbook

pytest.importorskip('onnxruntime')
pytest.importorskip('onnxscript')

from mmfer.apis import FERInferencer, init_model  # noqa: E402
from tool_scripts import load_tool  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'quickstart',
                  'resnet18-w32_synthface-expr-rgb-64px.py')
GRACE = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))


def _export_tool():
    return load_tool('deployment', 'export_onnx.py', name='export_onnx_tool')


def test_onnx_checkpoint_runs_like_torch(tmp_path):
    tool = _export_tool()
    torch.manual_seed(0)
    model = init_model(CONFIG, device='cpu')
    for p in model.head.parameters():      # a head with spread outputs
        torch.nn.init.normal_(p, std=0.5)
    classes = ['anger', 'disgust', 'fear', 'happiness', 'sadness',
               'surprise', 'neutral']
    model.dataset_meta = dict(classes=classes)
    ckpt = str(tmp_path / 'qs.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': model.dataset_meta}}, ckpt)
    onnx_file = str(tmp_path / 'qs.onnx')
    loaded = tool.load_model(CONFIG, ckpt)
    tool.export_onnx(loaded, onnx_file, tool.default_input_shapes(loaded.cfg))
    runtime = init_model(CONFIG, onnx_file, device='cpu')
    assert type(runtime).__name__ == 'ONNXRuntimeModel'
    (a, ) = FERInferencer(model=runtime)(GRACE)
    (b, ) = FERInferencer(model=model)(GRACE)
    assert a['box'] == b['box'] and list(a['expression_probs']) == classes
    np.testing.assert_allclose(list(a['expression_probs'].values()),
                               list(b['expression_probs'].values()),
                               atol=1e-4)
