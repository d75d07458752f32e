"""tools/model_converters/face_recognition2fen.py: a FEN trained on identity
labels becomes the init checkpoint of that FEN inside the CM-CNN."""

import pytest
import torch

from mmfer.registry import MODELS
from mmfer.utils import UntrustedCheckpointError
from tool_scripts import load_tool


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _load_tool():
    return load_tool('model_converters', 'face_recognition2fen.py')


TINY_CFG = """
model = dict(
    type='MultiModalFERClassifier',
    modalities=('gray', 'lbp', 'depth'),
    backbones=dict(
        gray=dict(type='TextureFEN', arch='tiny'),
        lbp=dict(type='TextureFEN', arch='tiny'),
        depth=dict(type='DepthFEN', arch='tiny')),
    neck=dict(type='CMFN', in_channels=16, num_modalities=3),
    head=dict(type='CMCNNClsHead', in_channels=192, num_classes=6))
"""


def _face_id_classifier(fen_type='TextureFEN', num_ids=10):
    """A FEN with an identity classifier (e.g. SynthFace subject ids)."""
    torch.manual_seed(1)
    model = MODELS.build(
        dict(
            type='FERClassifier',
            backbone=dict(type=fen_type, arch='tiny'),
            neck=dict(type='mmpretrain.GlobalAveragePooling'),
            head=dict(
                type='mmpretrain.LinearClsHead',
                num_classes=num_ids,
                in_channels=16,
                loss=dict(type='mmpretrain.CrossEntropyLoss'))))
    model.init_weights()
    model.train()(torch.rand(4, 1, 32, 32))  # BN running statistics change
    return model


def test_converted_fen_loads_into_cm_cnn(tmp_path):
    tool = _load_tool()
    cfg = tmp_path / 'tiny_cm_cnn.py'
    cfg.write_text(TINY_CFG)
    face_id = _face_id_classifier()
    src = tmp_path / 'face_id.pth'
    torch.save({'meta': {'epoch': 3}, 'state_dict': face_id.state_dict()},
               src)  # mmengine checkpoint layout
    dst = tmp_path / 'fen_gray.pth'
    fen = tool.convert(str(src), str(dst), 'gray', config=str(cfg))
    assert not any(k.startswith('head') for k in fen)  # identities dropped
    assert set(fen) == set(face_id.backbone.state_dict())

    from mmengine.config import Config
    model_cfg = Config.fromfile(str(cfg)).model
    model_cfg.backbones.gray.init_cfg = dict(
        type='Pretrained', checkpoint=str(dst))
    cm_cnn = MODELS.build(model_cfg)
    cm_cnn.init_weights()
    loaded = cm_cnn.backbones['gray'].state_dict()
    for k, v in face_id.backbone.state_dict().items():
        assert torch.equal(loaded[k], v), k
    # the other FENs keep their own initialisation
    assert not torch.equal(cm_cnn.backbones['lbp'].stages[0][0][0].weight,
                           loaded['stages.0.0.0.weight'])


def test_plain_state_dict_and_explicit_prefix(tmp_path):
    tool = _load_tool()
    cfg = tmp_path / 'tiny_cm_cnn.py'
    cfg.write_text(TINY_CFG)
    face_id = _face_id_classifier('DepthFEN')
    src = tmp_path / 'plain.pth'
    torch.save({f'encoder.{k}': v
                for k, v in face_id.backbone.state_dict().items()}, src)
    with pytest.raises(KeyError, match='Pass --prefix'):
        tool.convert(str(src), str(tmp_path / 'x.pth'), 'depth',
                     config=str(cfg))
    tool.main([str(src), str(tmp_path / 'fen_depth.pth'), '--modality',
               'depth', '--prefix', 'encoder.', '--config', str(cfg)])
    out = torch.load(tmp_path / 'fen_depth.pth', weights_only=True)
    assert set(out['state_dict']) == set(face_id.backbone.state_dict())


def test_wrong_architecture_lists_the_keys(tmp_path):
    tool = _load_tool()
    cfg = tmp_path / 'tiny_cm_cnn.py'
    cfg.write_text(TINY_CFG)
    src = tmp_path / 'depth_fen.pth'
    torch.save({'state_dict': _face_id_classifier('DepthFEN').state_dict()},
               src)
    # a DepthFEN checkpoint for the gray TextureFEN: residual convs missing
    with pytest.raises(KeyError, match=r'missing 28: .*stages.0.1.act.weight'):
        tool.convert(str(src), str(tmp_path / 'x.pth'), 'gray',
                     config=str(cfg))
    wide = cfg.read_text().replace(
        "gray=dict(type='TextureFEN', arch='tiny')",
        "gray=dict(type='TextureFEN', arch='tiny', channels=(8, 16, 16, 32))")
    cfg.write_text(wide)
    src2 = tmp_path / 'texture_fen.pth'
    torch.save({'state_dict': _face_id_classifier().state_dict()}, src2)
    with pytest.raises(KeyError, match=r'mis-shaped .*stages.3.0.0.weight: '
                       r'checkpoint \(16, 16, 3, 3\) vs FEN \(32, 16, 3, 3\)'):
        tool.convert(str(src2), str(tmp_path / 'x.pth'), 'gray',
                     config=str(cfg))


class _Payload:
    """An object whose unpickling would need code from the file's author."""


def test_refuses_pickles_that_run_code(tmp_path):
    tool = _load_tool()
    src = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'obj': _Payload()}, src)
    with pytest.raises(UntrustedCheckpointError, match='Refusing to unpickle'):
        tool.convert(str(src), str(tmp_path / 'x.pth'), 'gray')
    with pytest.raises(SystemExit):
        tool.main([str(src), str(tmp_path / 'x.pth'), '--modality', 'rgb'])


def test_fen_of_a_multimodal_checkpoint_by_modality(tmp_path):
    """Prefix ``backbones.<modality>.`` is found in a CM-CNN checkpoint."""
    tool = _load_tool()
    cfg = tmp_path / 'tiny_cm_cnn.py'
    cfg.write_text(TINY_CFG)
    from mmengine.config import Config
    torch.manual_seed(2)
    cm_cnn = MODELS.build(Config.fromfile(str(cfg)).model)
    cm_cnn.init_weights()
    src = tmp_path / 'cm_cnn.pth'
    torch.save({'state_dict': cm_cnn.state_dict()}, src)
    fen = tool.convert(str(src), str(tmp_path / 'fen_lbp.pth'), 'lbp',
                       config=str(cfg))
    expected = cm_cnn.backbones['lbp'].state_dict()
    assert set(fen) == set(expected)
    assert all(torch.equal(fen[k], v) for k, v in expected.items())
