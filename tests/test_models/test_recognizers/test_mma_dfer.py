"""MMADFER: composition, freezing, modes, learning; the ViT-B default."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TINY_ARCH = dict(embed_dims=16, num_layers=2, num_heads=2,
                 feedforward_channels=32)


def tiny_cfg(**overrides):
    enc = dict(type='PromptedViT', arch=TINY_ARCH, patch_size=8,
               drop_path_rate=0., num_prompts=2, progressive_blocks=(0, 1))
    cfg = dict(
        type='MMADFER',
        image_encoder=dict(enc, img_size=16),
        audio_encoder=dict(enc, img_size=(32, 16), in_channels=1),
        fusion=dict(type='FusionBottleneck', latent_dims=4),
        temporal=dict(type='MultimodalTemporalTransformer', num_heads=2,
                      feedforward_channels=16, num_frames=4),
        joint_dims=8,
        head=dict(type='mmpretrain.LinearClsHead', num_classes=3,
                  in_channels=8,
                  loss=dict(type='mmpretrain.CrossEntropyLoss')))
    cfg.update(overrides)
    return cfg


def batch(B=4, T=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = dict(video=torch.rand(B, T, 3, 16, 16, generator=g),
                  audio=torch.randn(B, 1, 32, 16, generator=g))
    samples = [FERDataSample().set_gt_label(i % 3) for i in range(B)]
    return inputs, samples


TRAINABLE_PREFIXES = ('image_encoder.pos_embed', 'image_encoder.prompts',
                      'image_encoder.progressive_prompts',
                      'audio_encoder.pos_embed', 'audio_encoder.prompts',
                      'audio_encoder.progressive_prompts', 'fusions.',
                      'joint_proj.', 'temporal.', 'head.')


def test_tensor_loss_predict_modes():
    model = MODELS.build(tiny_cfg()).eval()
    inputs, samples = batch()
    assert model(inputs, mode='tensor').shape == (4, 3)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss'} and losses['loss'].ndim == 0
    preds = model(inputs, samples, mode='predict')
    assert all(isinstance(p, FERDataSample) for p in preds)
    for p in preds:
        assert p.pred_score.shape == (3, )
        torch.testing.assert_close(p.pred_score.sum(), torch.tensor(1.))
        assert p.pred_label.item() == p.pred_score.argmax().item()
    assert len(model(inputs, mode='predict')) == 4
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(inputs, mode='feat')
    with pytest.raises(ValueError, match='PackFERInputs'):
        model(inputs['video'], mode='tensor')


def test_two_clip_test_mode_averages_probabilities():
    model = MODELS.build(tiny_cfg()).eval()
    inputs, _ = batch(B=2)
    clip2 = torch.rand(2, 4, 3, 16, 16)
    both = dict(video=torch.stack([inputs['video'], clip2], 1),
                audio=inputs['audio'])  # (B, K=2, T, 3, H, W)
    preds = model(both, mode='predict')
    p1 = model(inputs, mode='tensor').softmax(-1)
    p2 = model(dict(inputs, video=clip2), mode='tensor').softmax(-1)
    for i, p in enumerate(preds):
        torch.testing.assert_close(p.pred_score, (p1[i] + p2[i]) / 2)


def test_trainable_parameters_and_frozen_weights_unchanged():
    model = MODELS.build(tiny_cfg())
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert all(n.startswith(TRAINABLE_PREFIXES) for n in trainable)
    assert not any(n.startswith(TRAINABLE_PREFIXES) for n in frozen)
    # frozen: patch embeddings, cls tokens, blocks, final norms
    assert {n.split('.')[1] for n in frozen} == {
        'patch_embed', 'cls_token', 'layers', 'ln1'}
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2,
        weight_decay=1e-2)
    # alpha = 0 blocks the gradient into the bottleneck on the first step
    with torch.no_grad():
        for f in model.fusions:
            f.alpha.fill_(0.1)
    model.train()
    inputs, samples = batch()
    model(inputs, samples, mode='loss')['loss'].backward()
    optim.step()
    for n, p in model.named_parameters():
        if n in frozen:
            assert torch.equal(p, before[n]), n
            assert p.grad is None, n
        else:
            assert not torch.equal(p, before[n]), f'{n} did not change'


def test_fusion_runs_after_every_block_then_progressive_prompts():
    model = MODELS.build(tiny_cfg()).eval()
    calls = []
    for i, f in enumerate(model.fusions):
        f.register_forward_hook(
            lambda m, args, out, i=i: calls.append(
                ('fusion', i, tuple(args[0].shape), tuple(args[1].shape))))
    enc = model.image_encoder
    orig = enc.add_progressive_prompts
    enc.add_progressive_prompts = lambda i, x: (calls.append(('prompt', i)),
                                                orig(i, x))[1]
    inputs, _ = batch(B=2)
    model(inputs, mode='tensor')
    # video tokens (B, T, 1 + 4 + 2, D), audio (B, 1 + 8 + 2, D)
    assert calls == [('fusion', 0, (2, 4, 7, 16), (2, 11, 16)),
                     ('prompt', 0),
                     ('fusion', 1, (2, 4, 7, 16), (2, 11, 16)),
                     ('prompt', 1)]


@pytest.mark.parametrize('overrides', [
    dict(fusion=None),
    dict(temporal=None),
    dict(fusion=dict(type='AddFusion')),
    dict(fusion=dict(type='MULTFusion', latent_dims=4, num_heads=2)),
    dict(fusion=dict(type='MULTConcatFusion', latent_dims=4, num_heads=2)),
])
def test_ablation_switches(overrides):
    model = MODELS.build(tiny_cfg(**overrides)).eval()
    inputs, _ = batch(B=2)
    assert model(inputs, mode='tensor').shape == (2, 3)
    if overrides.get('fusion', 1) is None:
        assert model.fusions is None
    if 'temporal' in overrides:
        assert model.temporal is None


def test_mean_pool_without_mtt():
    model = MODELS.build(tiny_cfg(temporal=None)).eval()
    inputs, _ = batch(B=2)
    feats = model.extract_feat(inputs['video'], inputs['audio'])
    logits = model(inputs, mode='tensor')
    torch.testing.assert_close(logits, model.head.fc(feats))


def test_frozen_eval_and_default_train_mode():
    model = MODELS.build(tiny_cfg())
    model.train()
    # official code: the frozen encoders run in train mode (drop path)
    assert model.image_encoder.layers.training
    model = MODELS.build(tiny_cfg(frozen_eval=True)).train()
    assert not model.image_encoder.layers.training
    assert not model.audio_encoder.ln1.training
    assert model.fusions.training and model.temporal.training


def test_bad_configs():
    with pytest.raises(ValueError, match='same depth'):
        MODELS.build(tiny_cfg(audio_encoder=dict(
            type='PromptedViT', arch=dict(TINY_ARCH, num_layers=3),
            img_size=(32, 16), in_channels=1, patch_size=8,
            progressive_blocks=(0, 1), num_prompts=2)))
    with pytest.raises(ValueError, match='average_clips'):
        MODELS.build(tiny_cfg(test_cfg=dict(average_clips='max')))


def test_temporal_adaptor_after_every_block():
    ita = dict(type='IntermediateTemporalAdaptor', latent_dims=4,
               num_heads=2, num_frames=4)
    model = MODELS.build(tiny_cfg(temporal_adaptor=ita)).eval()
    assert len(model.temporal_adaptors) == model.num_layers == 2
    assert model.temporal_adaptors[0].in_channels == 16
    inputs, samples = batch(B=2)
    with_ita = model(inputs, mode='tensor')
    adaptors, model.temporal_adaptors = model.temporal_adaptors, None
    # closed gates (alpha = 0): the adaptors start as the identity
    torch.testing.assert_close(with_ita, model(inputs, mode='tensor'))
    model.temporal_adaptors = adaptors
    with torch.no_grad():
        for m in adaptors:
            m.alpha.fill_(1.0)
    assert not torch.allclose(with_ita, model(inputs, mode='tensor'))
    # ITA with MTT (Table 2 "MTM + ITA") and without (mean over frames)
    for temporal in (None, tiny_cfg()['temporal']):
        m = MODELS.build(tiny_cfg(temporal_adaptor=ita, temporal=temporal))
        assert m(inputs, samples, mode='loss')['loss'].ndim == 0


def test_video_only_model():
    model = MODELS.build(tiny_cfg(audio_encoder=None, fusion=None)).eval()
    inputs, samples = batch(B=2)
    video_only = dict(video=inputs['video'])
    logits = model(video_only, mode='tensor')
    assert logits.shape == (2, 3)
    # an audio input, if packed, is ignored
    torch.testing.assert_close(model(inputs, mode='tensor'), logits)
    # the 2-clip test mode
    two = dict(video=torch.stack([inputs['video']] * 2, dim=1))
    preds = model(two, samples, mode='predict')
    torch.testing.assert_close(
        torch.stack([p.pred_score for p in preds]), logits.softmax(-1))


def test_audio_only_model_trains_only_the_classifier():
    no_prompts = dict(num_prompts=0, progressive_blocks=(),
                      trainable_pos_embed=False)
    cfg = tiny_cfg(image_encoder=None, fusion=None, temporal=None)
    cfg['audio_encoder'] = dict(cfg['audio_encoder'], **no_prompts)
    model = MODELS.build(cfg).eval()
    inputs, samples = batch(B=2)
    logits = model(dict(audio=inputs['audio']), mode='tensor')
    assert logits.shape == (2, 3)
    a = model.audio_encoder
    x = a.embed(inputs['audio'])
    for i in range(a.num_layers):
        x = a.forward_block(i, x)
    ref = model.head.fc(model.joint_proj(a.final_norm(x[:, 0])))
    torch.testing.assert_close(logits, ref)
    trainable = {n.split('.')[0] for n, p in model.named_parameters()
                 if p.requires_grad}
    assert trainable == {'joint_proj', 'head'}
    assert model(dict(audio=inputs['audio']), samples,
                 mode='loss')['loss'].ndim == 0


def test_single_modality_bad_configs():
    with pytest.raises(ValueError, match='image_encoder, an audio_encoder'):
        MODELS.build(tiny_cfg(image_encoder=None, audio_encoder=None,
                              fusion=None))
    with pytest.raises(ValueError, match='fusion=None'):
        MODELS.build(tiny_cfg(audio_encoder=None))
    with pytest.raises(ValueError, match='temporal=None'):
        MODELS.build(tiny_cfg(image_encoder=None, fusion=None))
    model = MODELS.build(tiny_cfg(audio_encoder=None, fusion=None))
    with pytest.raises(ValueError, match="'video'"):
        model(dict(audio=torch.rand(1, 1, 32, 16)), mode='tensor')


def test_tiny_model_learns():
    torch.manual_seed(0)
    model = MODELS.build(tiny_cfg(fusion=dict(
        type='FusionBottleneck', latent_dims=4)))
    # the label is visible in both modalities
    B = 6
    labels = torch.arange(B) % 3
    video = torch.rand(B, 4, 3, 16, 16) * 0.2 + labels.view(B, 1, 1, 1,
                                                            1) * 0.4
    audio = torch.randn(B, 1, 32, 16) * 0.1 + labels.view(B, 1, 1, 1) - 1
    samples = [FERDataSample().set_gt_label(int(y)) for y in labels]
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    losses = []
    for _ in range(12):
        loss = model(dict(video=video, audio=audio), samples,
                     mode='loss')['loss']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses
    assert any(f.alpha.abs().sum() > 0 for f in model.fusions)


def test_vit_base_default_config_architecture_and_parameters():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/models/mma_dfer_vit-base.py'))
    model = MODELS.build(cfg.model)
    img, aud = model.image_encoder, model.audio_encoder
    for enc in (img, aud):
        assert enc.num_layers == 12 and enc.embed_dims == 768
        assert enc.num_prompts == 6 and enc.progressive_blocks == (0, 6)
        assert [p.shape[0] for p in enc.progressive_prompts] == [3, 3]
        assert enc.layers[11].attn.num_heads == 12
        assert enc.layers[0].ffn.layers[0][0].out_features == 3072
        assert enc.layers[11].attn.out_drop.drop_prob == pytest.approx(0.1)
    assert img.patch_resolution == (14, 14)
    assert img.pos_embed.shape == (1, 1 + 196 + 6, 768)
    assert aud.patch_resolution == (32, 8)
    assert aud.pos_embed.shape == (1, 1 + 256 + 6, 768)
    assert aud.patch_embed.projection.in_channels == 1
    assert len(model.fusions) == 12
    assert all(f.latent_dims == 128 for f in model.fusions)
    assert model.joint_proj.in_features == 768
    assert model.joint_proj.out_features == 512
    mtt = model.temporal
    assert len(mtt.layers) == 1 and mtt.pos_embed.shape == (1, 17, 512)
    assert mtt.layers[0].attn.num_heads == 8
    assert mtt.layers[0].attn.head_dims == 64
    assert model.head.fc.in_features == 512
    assert model.head.fc.out_features == 7
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters()
                 if not p.requires_grad)
    # (1+196+6 + 1+256+6) * 768 pos + 24 * 768 prompts
    # + 12 * 395,522 fusion + 393,728 joint + 2,110,464 MTT + 3,591 head
    assert trainable == 7_630_367
    # two ViT-B/16 encoders without their pos embeds (one 1-channel)
    assert frozen == 170_901_504
    # the pretrained encoders named by the config are absent here: the
    # error names the file and the converter that produces it
    for enc, tool in ((img, 'mae_face2mmfer.py'),
                      (aud, 'audiomae2mmfer.py')):
        with pytest.raises(FileNotFoundError) as err:
            enc.init_weights()
        assert enc.pretrained in str(err.value)
        assert f'tools/model_converters/{tool}' in str(err.value)
