"""DepthFEN / TextureFEN (CM-CNN Sec. III-C, Fig. 3): layer structure,
output shapes at 148 px, arch validation, and a FEN training alone with the
"adaptive pooling + FC" classification head."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmfer.models.backbones import DepthFEN, TextureFEN
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny convolutions: one thread (2 threads on a loaded 2-core machine
    spend most of the time waiting for each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_both_fens_end_at_the_same_map_for_148px():
    x = torch.rand(1, 1, 148, 148)
    depth, texture = DepthFEN().eval(), TextureFEN().eval()
    with torch.no_grad():
        out_d, out_t = depth(x), texture(x)
    assert isinstance(out_d, tuple) and len(out_d) == 1
    # 148 -> 74 -> 37 -> 18 -> 9, 128 channels (the 'base' preset)
    assert out_d[0].shape == out_t[0].shape == (1, 128, 9, 9)
    assert depth.output_size((148, 148)) == (9, 9)


def _convs(m):
    return [c for c in m.modules() if isinstance(c, nn.Conv2d)]


def test_layer_structure():
    depth, texture = DepthFEN(arch='tiny'), TextureFEN(arch='tiny')
    # Fig. 3a: four Conv + BN + PReLU + MaxPool layers
    assert len(_convs(depth)) == 4
    assert sum(isinstance(m, nn.MaxPool2d) for m in depth.modules()) == 4
    assert sum(isinstance(m, nn.PReLU) for m in depth.modules()) == 4
    assert sum(isinstance(m, nn.BatchNorm2d) for m in depth.modules()) == 4
    # Fig. 3b: deepened by four conv layers with skip connections
    assert len(_convs(texture)) == 8
    # the skip path: with the added convs' BN at zero and PReLU slope 1,
    # each added layer is the identity PReLU(x + 0), so the TextureFEN
    # equals its DepthFEN-like stages (Conv + BN + PReLU, MaxPool) alone
    for block in texture.modules():
        if hasattr(block, 'bn') and hasattr(block, 'conv'):
            nn.init.zeros_(block.bn.weight)
            nn.init.zeros_(block.bn.bias)
            nn.init.ones_(block.act.weight)  # PReLU slope 1 = identity
    x = torch.rand(2, 1, 32, 32)
    texture.eval()
    plain = nn.Sequential(*[
        nn.Sequential(stage[0], stage[2]) for stage in texture.stages
    ]).eval()
    with torch.no_grad():
        assert torch.allclose(texture(x)[0], plain(x), atol=1e-6)


def test_arch_presets_and_validation():
    fen = DepthFEN(arch=dict(channels=(4, 8), kernel_sizes=(3, 5)),
                   in_channels=2)
    assert fen(torch.rand(1, 2, 20, 12))[0].shape == (1, 8, 5, 3)
    assert TextureFEN(arch='tiny', channels=(4, 4, 4, 6)).out_channels == 6
    with pytest.raises(ValueError, match=r"unknown arch 'huge'.*\['base', "
                       r"'small', 'tiny'\]"):
        DepthFEN(arch='huge')
    with pytest.raises(ValueError, match='exactly the keys'):
        TextureFEN(arch=dict(channels=(4, 8)))
    with pytest.raises(ValueError, match='one entry per stage'):
        DepthFEN(arch=dict(channels=(4, 8), kernel_sizes=(3, )))
    with pytest.raises(ValueError, match='must be odd'):
        DepthFEN(kernel_sizes=(4, 3, 3, 3))
    with pytest.raises(ValueError, match=r'in_channels=1\) got input'):
        DepthFEN()(torch.rand(1, 3, 32, 32))
    with pytest.raises(ValueError, match='smaller than 2\\^4'):
        DepthFEN()(torch.rand(1, 1, 8, 8))


def test_init_cfg_applies_kaiming():
    fen = TextureFEN(arch='tiny')
    before = fen.stages[0][0][0].weight.clone()
    fen.init_weights()
    assert not torch.equal(before, fen.stages[0][0][0].weight)


@pytest.mark.parametrize('fen_type', ['TextureFEN', 'DepthFEN'])
def test_fen_trains_alone_with_pooling_fc_head(fen_type):
    """Sec. III-C: each FEN with "adaptive pooling + FC" classifies alone."""
    model = MODELS.build(
        dict(
            type='FERClassifier',
            data_preprocessor=dict(
                type='FERDataPreprocessor', mean=[0.0], std=[255.0]),
            backbone=dict(type=fen_type, arch='tiny'),
            neck=dict(type='mmpretrain.GlobalAveragePooling'),
            head=dict(
                type='mmpretrain.LinearClsHead',
                num_classes=2,
                in_channels=16,
                loss=dict(type='SoftFocalLoss'))))
    model.init_weights()
    torch.manual_seed(0)
    labels = torch.arange(8) % 2
    imgs = []
    for y in labels:  # class 1: bright upper half
        img = torch.randint(0, 60, (1, 32, 32), dtype=torch.uint8)
        if y:
            img[:, :16] += 150
        imgs.append(img)
    batch = dict(inputs=imgs,
                 data_samples=[FERDataSample().set_gt_label(int(y))
                               for y in labels])
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9))
    first = model.train_step(batch, wrapper)['loss'].item()
    for _ in range(15):
        last = model.train_step(batch, wrapper)['loss'].item()
    assert last < 0.5 * first
    preds = model.val_step(batch)
    assert [int(p.pred_label) for p in preds] == labels.tolist()


def test_single_fen_base_config():
    import os.path as osp

    from mmengine.config import Config
    repo = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))))
    cfg = Config.fromfile(
        osp.join(repo, 'configs', '_base_', 'models',
                 'cm_cnn_texture-fen.py'))
    model = MODELS.build(cfg.model)
    assert isinstance(model.backbone, TextureFEN)
    assert model.head.fc.in_features == model.backbone.out_channels
    cfg.merge_from_dict(dict(model=dict(backbone=dict(type='DepthFEN'))))
    model = MODELS.build(cfg.model).eval()
    assert isinstance(model.backbone, DepthFEN)
    with torch.no_grad():
        assert model(torch.rand(1, 1, 48, 48)).shape == (1, 6)
