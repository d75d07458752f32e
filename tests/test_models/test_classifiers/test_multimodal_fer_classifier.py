"""MultiModalFERClassifier: per-modality channel routing, config errors, the
tiny CM-CNN (TextureFEN x2 + DepthFEN + CMFN + CMCNNClsHead) learning."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from torch import nn

from mmfer.models.classifiers import MultiModalFERClassifier
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
MODALITIES = ('gray', 'lbp', 'depth')


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny convolutions: one thread (2 threads on a loaded 2-core machine
    spend most of the time waiting for each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _tiny_cm_cnn(neck='CMFN', **kwargs):
    neck_cfg = dict(type='CMFN', in_channels=16, num_modalities=3) \
        if neck == 'CMFN' else dict(type='ConcatPoolFusion')
    return MultiModalFERClassifier(
        backbones=dict(
            gray=dict(type='TextureFEN', arch='tiny'),
            lbp=dict(type='TextureFEN', arch='tiny'),
            depth=dict(type='DepthFEN', arch='tiny')),
        modalities=MODALITIES,
        data_preprocessor=dict(
            type='FERDataPreprocessor', mean=[0.0] * 3, std=[255.0] * 3),
        neck=neck_cfg,
        head=dict(
            type='CMCNNClsHead',
            in_channels=3 * 2 * 2 * 16 if neck == 'CMFN' else 2 * 3 * 16,
            num_classes=3),
        **kwargs)


class Recorder(nn.Module):
    """A backbone returning its (B, 1, H, W) input as the feature map."""

    in_channels = 1

    def __init__(self):
        super().__init__()
        self.seen = None

    def forward(self, x):
        self.seen = x
        return (x, )


def test_channels_are_routed_to_their_backbones():
    recorders = {m: Recorder() for m in MODALITIES}
    model = MultiModalFERClassifier(
        backbones=recorders,
        modalities=MODALITIES,
        neck=dict(type='ConcatPoolFusion', pool=('avg', )),
        head=dict(type='CMCNNClsHead', in_channels=3))
    x = torch.rand(2, 3, 8, 8)
    (f_v, ) = model.extract_feat(x)
    for c, m in enumerate(MODALITIES):
        assert torch.equal(recorders[m].seen, x[:, c:c + 1])
    assert torch.allclose(f_v, x.mean(dim=(2, 3)))  # neck got them in order


def test_channel_count_error_names_the_config_keys():
    model = _tiny_cm_cnn()
    with pytest.raises(ValueError, match=r"model.modalities \('gray', 'lbp', "
                       r"'depth'\) stack 3 channels \(gray: 1, lbp: 1, "
                       r'depth: 1\).*model.backbones'):
        model(torch.rand(1, 4, 32, 32))


def test_backbone_config_errors():
    head = dict(type='CMCNNClsHead', in_channels=8)
    with pytest.raises(ValueError, match=r"model.backbones must map every "
                       r"entry of model.modalities \['gray', 'depth'\].*got "
                       r"\['depth', 'rgb'\]"):
        MultiModalFERClassifier(
            backbones=dict(rgb=dict(type='DepthFEN'),
                           depth=dict(type='DepthFEN')),
            modalities=('gray', 'depth'), head=head)
    with pytest.raises(ValueError, match=r"modality 'rgb' has 3 channel\(s\) "
                       r'but model.backbones.rgb takes in_channels=1'):
        MultiModalFERClassifier(
            backbones=dict(rgb=dict(type='TextureFEN'),
                           depth=dict(type='DepthFEN')),
            modalities=('rgb', 'depth'), head=head)
    with pytest.raises(ValueError, match='differ in channel count'):
        MultiModalFERClassifier(
            backbones=dict(type='DepthFEN'), modalities=('rgb', 'depth'),
            share_backbones=True, head=head)
    with pytest.raises(ValueError, match='distinct names'):
        MultiModalFERClassifier(
            backbones=dict(x=dict(type='DepthFEN')), modalities=('x', ),
            head=head)


def test_shared_backbone_and_single_modality():
    shared = MultiModalFERClassifier(
        backbones=dict(type='TextureFEN', arch='tiny'),
        modalities=('gray', 'lbp'),
        share_backbones=True,
        neck=dict(type='CMFN', in_channels=16, num_modalities=2),
        head=dict(type='CMCNNClsHead', in_channels=2 * 2 * 1 * 16))
    assert shared.backbones['gray'] is shared.backbones['lbp']
    assert shared(torch.rand(2, 2, 32, 32)).shape == (2, 6)
    single = MultiModalFERClassifier(
        backbones=dict(depth=dict(type='DepthFEN', arch='tiny')),
        modalities=('depth', ),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(type='mmpretrain.LinearClsHead', num_classes=6,
                  in_channels=16,
                  loss=dict(type='mmpretrain.CrossEntropyLoss')))
    assert single(torch.rand(2, 1, 32, 32)).shape == (2, 6)


def test_init_weights_reaches_every_fen():
    model = _tiny_cm_cnn()
    before = {m: model.backbones[m].stages[0][0][0].weight.clone()
              for m in MODALITIES}
    model.init_weights()
    for m in MODALITIES:
        assert not torch.equal(before[m],
                               model.backbones[m].stages[0][0][0].weight), m


def _separable_batch(n=9, size=32):
    """Class k: a bright horizontal band k in the gray channel, the same
    layout in LBP, a bump in depth; the rest is noise."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 3
    imgs = []
    for y in labels:
        img = torch.randint(0, 50, (3, size, size), generator=g)
        band = slice(int(y) * size // 3, (int(y) + 1) * size // 3)
        img[:, band] += 180
        imgs.append(img.to(torch.uint8))
    samples = [FERDataSample().set_gt_label(int(y)) for y in labels]
    return dict(inputs=imgs, data_samples=samples), labels


@pytest.mark.parametrize('neck', ['CMFN', 'ConcatPoolFusion'])
def test_tiny_cm_cnn_learns_with_sgd(neck):
    torch.manual_seed(0)
    model = _tiny_cm_cnn(neck)
    model.init_weights()
    batch, labels = _separable_batch()
    # Sec. IV-B: SGD, lr 0.01, momentum 0.9, weight decay 5e-4
    wrapper = OptimWrapper(torch.optim.SGD(
        model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4))
    first = model.train_step(batch, wrapper)['loss'].item()
    for _ in range(15):
        last = model.train_step(batch, wrapper)['loss'].item()
    assert last < 0.1 * first
    preds = model.val_step(batch)  # eval mode: BN running statistics
    assert [int(p.pred_label) for p in preds] == labels.tolist()
    assert model(model.data_preprocessor(batch)['inputs'],
                 mode='tensor').shape == (9, 3)


def test_base_config_builds_with_paper_defaults():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'models', 'cm_cnn_gld.py'))
    model = MODELS.build(cfg.model)
    assert model.modalities == MODALITIES
    assert type(model.backbones['depth']).__name__ == 'DepthFEN'
    assert type(model.backbones['lbp']).__name__ == 'TextureFEN'
    assert model.neck.out_channels == model.head.in_channels == 1536
    assert model.head.loss_module.sigma == 0.1
    assert model.data_preprocessor.std.tolist() == [255.0] * 3
    with torch.no_grad():
        out = model.eval()(torch.rand(1, 3, 48, 48), mode='tensor')
    assert out.shape == (1, 6)


def test_attention_maps_for_visualisation():
    model = _tiny_cm_cnn().eval()
    x = torch.rand(2, 3, 48, 48)
    with torch.no_grad():
        maps = model.extract_backbone_feats(x)
        assert [tuple(m.shape) for m in maps] == [(2, 16, 3, 3)] * 3
        (f_v, ), att = model.neck(maps, return_attention=True)
        assert torch.allclose(f_v, model.extract_feat(x)[0])
    # Att_GD: guided gray (0) positions x guiding depth (2) positions
    assert att[(0, 2)].shape == (2, 9, 9)
