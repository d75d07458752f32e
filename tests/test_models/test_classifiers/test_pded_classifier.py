"""PDEDClassifier: EMPD's progressive decoupler (Sec. III-B, Eq. 9-13,
Algorithm 1) and the Table V variants, on tiny backbones."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models import VisionTransformer

from mmfer.models import PDEDClassifier
from mmfer.models.necks import DomainClsHead, DomainDecoupler
from mmfer.structures import FERDataSample

RESNET = dict(type='StagedResNet', depth=18, stem_channels=8,
              base_channels=8)
TINY_VIT = dict(embed_dims=16, num_layers=12, num_heads=2,
                feedforward_channels=32)


def head(in_channels=64):
    return dict(type='mmpretrain.LinearClsHead', num_classes=7,
                in_channels=in_channels,
                loss=dict(type='mmpretrain.CrossEntropyLoss'))


def model(**kwargs):
    cfg = dict(backbone=RESNET, head=head(),
               decoupler=dict(kind='conv3x3', zero_init=False))
    cfg.update(kwargs)
    return PDEDClassifier(**cfg)


def samples(n, domains=None):
    out = []
    for i in range(n):
        s = FERDataSample().set_gt_label(i % 7)
        if domains is not None:
            s.set_metainfo(dict(domain=domains[i]))
        out.append(s)
    return out


def record_stages(m):
    """Wrap forward_stage to record each stage's (input, output)."""
    calls = []
    orig = m.backbone.forward_stage

    def forward_stage(i, x):
        y = orig(i, x)
        calls.append((i, x.detach().clone(), y.detach().clone()))
        return y

    m.backbone.forward_stage = forward_stage
    return calls


def test_eq9_next_stage_input_is_feature_minus_domain_feature():
    torch.manual_seed(0)
    m = model().eval()
    calls = record_stages(m)
    with torch.no_grad():
        m.decouple(torch.randn(2, 3, 64, 64))
    assert [c[0] for c in calls] == [0, 1, 2, 3]
    for i in range(3):
        f_i = calls[i][2]  # F^i, output of stage i
        f_d = m.decouplers[i].proj(f_i)  # Conv_i(F^i)
        assert f_d.abs().sum() > 0
        # Eq. 9: the input of stage i + 1 is F^i - F_d^i, exactly
        torch.testing.assert_close(calls[i + 1][1], f_i - f_d, rtol=0,
                                   atol=0)


def test_zeroed_decouplers_give_the_plain_backbone():
    torch.manual_seed(0)
    m = model().eval()
    for d in m.decouplers:
        torch.nn.init.zeros_(d.proj.weight)
        torch.nn.init.zeros_(d.proj.bias)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        plain = m.backbone(x)[-1].mean(dim=(2, 3))  # ResNet + GAP
        logits = m(x, mode='tensor')
        torch.testing.assert_close(m.extract_feat(x)[0], plain, rtol=0,
                                   atol=0)
        torch.testing.assert_close(logits, m.head((plain, )), rtol=0,
                                   atol=0)
        assert all(f.abs().sum() == 0 for f in m.decouple(x)[1])


def test_default_decoupler_is_zero_initialised_conv3x3():
    m = PDEDClassifier(backbone=RESNET, head=head())
    assert [d.kind for d in m.decouplers] == ['conv3x3'] * 4
    assert [d.proj.weight.shape for d in m.decouplers] == [
        (c, c, 3, 3) for c in (8, 16, 32, 64)]
    assert all(float(d.proj.weight.detach().abs().sum()) == 0
               for d in m.decouplers)


def test_f_dom_pools_projects_and_sums():
    torch.manual_seed(0)
    dom = DomainClsHead(in_channels=(8, 16), num_domains=2, embed_dims=5)
    feats = [torch.randn(3, 8, 4, 4), torch.randn(3, 16, 2, 2)]
    f_dom = dom.domain_feature(feats, points=[0, 1])
    assert f_dom.shape == (3, 5)
    by_hand = (feats[0].mean((2, 3)) @ dom.projections[0].weight.T +
               feats[1].mean((2, 3)) @ dom.projections[1].weight.T)
    torch.testing.assert_close(f_dom, by_hand)
    # same decoupling point: exactly W GAP(sum_k F_d^k) (Eq. 10, pooled)
    same = DomainClsHead(in_channels=(8, ), num_domains=2, embed_dims=5)
    f3 = [torch.randn(3, 8, 4, 4) for _ in range(3)]
    torch.testing.assert_close(
        same.domain_feature(f3, points=[0, 0, 0]),
        same.projections[0](sum(f3).mean((2, 3))))


@pytest.mark.parametrize('mode,modules,outputs,channels', [
    ('progressive', 4, 4, [8, 16, 32, 64]),
    ('single', 1, 1, [64]),
    ('parallel', 4, 4, [64] * 4),
    ('cyclic', 1, 4, [64]),
    ('none', 0, 0, []),
])
def test_decoupler_count_per_mode(mode, modules, outputs, channels):
    m = model(mode=mode)
    assert len(m.decouplers) == modules
    assert [d.in_channels for d in m.decouplers] == channels
    assert len(m.decouple(torch.randn(2, 3, 64, 64))[1]) == outputs
    if mode == 'none':
        assert m.domain_head is None
    else:
        n_points = 4 if mode == 'progressive' else 1
        assert len(m.domain_head.projections) == n_points


def last_stage_feature(m, x):
    h = m.backbone.forward_stem(x)
    for i in range(4):
        h = m.backbone.forward_stage(i, h)
    return h


def test_parallel_and_cyclic_follow_their_definitions():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    par = model(mode='parallel').eval()
    with torch.no_grad():
        f = last_stage_feature(par, x)
        f_exp, f_ds = par.decouple(x)
        # parallel: F_exp = F - sum_k D_k(F), every D_k on the same F
        expected = f - sum(d.proj(f) for d in par.decouplers)
        torch.testing.assert_close(f_exp, expected.mean((2, 3)))
        torch.testing.assert_close(f_ds[2], par.decouplers[2].proj(f))
    cyc = model(mode='cyclic').eval()
    with torch.no_grad():
        h = last_stage_feature(cyc, x)
        seq = []
        for _ in range(4):  # cyclic: the same decoupler four times in a row
            seq.append(cyc.decouplers[0].proj(h))
            h = h - seq[-1]
        f_exp, f_ds = cyc.decouple(x)
        torch.testing.assert_close(f_exp, h.mean((2, 3)))
        for a, b in zip(f_ds, seq):
            torch.testing.assert_close(a, b)


def test_loss_keys_and_lambda2_weighting():
    torch.manual_seed(0)
    m = model()
    m.eval()  # fixed BN statistics: identical features in both calls
    x = torch.randn(4, 3, 64, 64)
    torch.manual_seed(1)
    l1 = m(x, samples(4), mode='loss')
    assert set(l1) == {'loss_cls', 'loss_domain', 'acc_domain'}
    m.domain_loss_weight = 0.25
    torch.manual_seed(1)  # the same blur sigmas
    l2 = m(x, samples(4), mode='loss')
    torch.testing.assert_close(l2['loss_domain'], 0.25 * l1['loss_domain'])
    torch.testing.assert_close(l2['loss_cls'], l1['loss_cls'])
    assert set(model(mode='none')(x, samples(4), mode='loss')) == {
        'loss_cls'}


def test_bce_for_two_domains_ce_for_more():
    torch.manual_seed(0)
    two = model()
    assert two.domain_head.num_domains == 2
    assert two.domain_head.fc.out_features == 1
    logits = torch.randn(4, 1)
    labels = torch.tensor([0, 0, 1, 1])
    # Eq. 12 by hand
    p = torch.sigmoid(logits.squeeze(1))
    eq12 = -(labels * p.log() + (1 - labels) * (1 - p).log()).mean()
    torch.testing.assert_close(two.domain_head.loss(logits, labels), eq12)
    names = ['rafdb', 'sfew', 'ferplus']
    three = model(domain_source='dataset', domain_names=names, augment=None)
    assert three.domain_head.fc.out_features == 3
    logits3 = torch.randn(4, 3)
    labels3 = torch.tensor([0, 2, 1, 2])
    torch.testing.assert_close(
        three.domain_head.loss(logits3, labels3),
        F.cross_entropy(logits3, labels3))


def test_domain_labels_from_augment_first_half_zero():
    torch.manual_seed(0)
    m = model()
    imgs, augmented = m.augment(torch.randn(3, 3, 64, 64), samples(3))
    assert imgs.shape[0] == 6
    assert m.domain_labels(augmented).tolist() == [0, 0, 0, 1, 1, 1]
    with pytest.raises(KeyError, match='GaussianBlurDomainAugment'):
        m.domain_labels(samples(2))


def test_domain_labels_from_dataset_names():
    names = ['rafdb', 'sfew']
    m = model(domain_source='dataset', domain_names=names, augment=None)
    batch = samples(3, domains=['sfew', 'rafdb', 'sfew'])
    assert m.domain_labels(batch).tolist() == [1, 0, 1]
    loss = m(torch.randn(3, 3, 64, 64), batch, mode='loss')
    assert loss['loss_domain'] > 0
    with pytest.raises(ValueError, match=r"'expw'.*\['rafdb', 'sfew'\]"):
        m.domain_labels(samples(1, domains=['expw']))


def test_predict_ignores_the_domain_branch():
    torch.manual_seed(0)
    with_aug = model().eval()
    no_aug = model(augment=None, mode='progressive').eval()
    no_aug.load_state_dict(with_aug.state_dict())
    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        a = with_aug(x, samples(3), mode='predict')
        torch.nn.init.normal_(no_aug.domain_head.fc.weight)  # irrelevant
        b = no_aug(x, samples(3), mode='predict')
    assert len(a) == 3  # no augmented copies at inference
    for sa, sb in zip(a, b):
        torch.testing.assert_close(sa.pred_score, sb.pred_score, rtol=0,
                                   atol=0)


def test_vit_progressive_with_zeroed_decouplers_equals_plain_vit():
    torch.manual_seed(0)
    m = PDEDClassifier(
        backbone=dict(type='StagedViT', arch=TINY_VIT, img_size=32,
                      patch_size=8, out_type='avg_featmap'),
        head=head(16),
        decoupler=dict(kind='linear')).eval()
    assert [d.kind for d in m.decouplers] == ['linear'] * 4
    ref = VisionTransformer(arch=TINY_VIT, img_size=32, patch_size=8,
                            out_type='avg_featmap', final_norm=False)
    ref.load_state_dict(m.backbone.state_dict())
    ref.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(m(x, mode='tensor'), m.head(ref(x)),
                                   rtol=0, atol=0)
        # and token decouplers act: non-zero weights change the output
        torch.nn.init.normal_(m.decouplers[1].proj.weight, std=0.1)
        assert not torch.allclose(m(x, mode='tensor'), m.head(ref(x)))


def test_a_few_steps_reduce_the_loss():
    torch.manual_seed(0)
    m = model(decoupler=dict(kind='conv3x3'))
    x = torch.randn(4, 3, 16, 16)
    batch = samples(4)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    totals = []
    for step in range(6):
        torch.manual_seed(step)
        losses = m(x, batch, mode='loss')
        total = losses['loss_cls'] + losses['loss_domain']
        opt.zero_grad()
        total.backward()
        opt.step()
        totals.append(float(total.detach()))
    assert totals[-1] < 0.6 * totals[0], totals
    # the zero-initialised decouplers learned
    assert all(float(d.proj.weight.detach().abs().sum()) > 0
               for d in m.decouplers)


def test_bad_arguments_name_the_fix():
    with pytest.raises(ValueError, match="mode must be one of"):
        model(mode='serial')
    with pytest.raises(ValueError, match='leave num_decouplers=None'):
        model(num_decouplers=3)
    with pytest.raises(ValueError, match='needs domain_names'):
        model(domain_source='dataset', augment=None)
    with pytest.raises(ValueError, match='set augment=None'):
        model(domain_source='dataset', domain_names=['a', 'b'])
    with pytest.raises(TypeError, match="StagedResNet"):
        PDEDClassifier(backbone=dict(type='mmpretrain.ResNet', depth=18),
                       head=head(512))
    with pytest.raises(ValueError, match='kind="linear" for ViT tokens'):
        DomainDecoupler(8)(torch.randn(2, 5, 8))
    m = model()
    imgs, aug = m.augment(torch.randn(2, 3, 64, 64), samples(2))
    with pytest.raises(RuntimeError, match='model.augment=None'):
        m(imgs, aug, mode='loss')


def test_missing_encoder_checkpoint_fails_early_naming_the_key(tmp_path):
    ckpt = str(tmp_path / 'work_dirs' / 'empd_esgm_pretrain' / 'epoch_1.pth')
    m = PDEDClassifier(
        backbone=dict(type='StagedViT', arch=TINY_VIT, img_size=32,
                      patch_size=8,
                      init_cfg=dict(type='Pretrained', checkpoint=ckpt,
                                    prefix='backbone.')),
        head=head(16),
        decoupler=dict(kind='linear'))
    with pytest.raises(FileNotFoundError,
                       match=r'model\.backbone\.init_cfg=None'):
        m.init_weights()
