"""MAE-Face / AudioMAE / official MMA-DFER checkpoints -> mmfer weights.

State dicts are built here with the official key layout (timm ViT under
``ckpt['model']``; the MMA-DFER ``GenerateModel`` keys saved from
``nn.DataParallel``), converted with the CLI entry points, and every tensor
is checked at its destination; the official forward pass is re-implemented
from the raw official tensors and compared with the converted mmfer model.
"""
import argparse
import os.path as osp
import re

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from mmfer.models.backbones import PromptedViT
from mmfer.registry import MODELS
from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
D, HEADS, L, d, T = 16, 2, 12, 4, 4


def load_converter(name):
    return load_tool('model_converters', f'{name}.py')


def timm_vit(prefix='', in_ch=3, grid=4, depth=L, g=None, decoder=True):
    """A timm-layout ViT (MAE pretraining checkpoint) with random values."""
    g = g or torch.Generator().manual_seed(0)

    def r(*shape):
        return torch.randn(*shape, generator=g)

    sd = {'cls_token': r(1, 1, D), 'pos_embed': r(1, 1 + grid, D),
          'patch_embed.proj.weight': r(D, in_ch, 16, 16),
          'patch_embed.proj.bias': r(D), 'norm.weight': r(D),
          'norm.bias': r(D)}
    for i in range(depth):
        b = f'blocks.{i}.'
        sd.update({
            b + 'norm1.weight': 1 + 0.1 * r(D), b + 'norm1.bias': r(D),
            b + 'attn.qkv.weight': r(3 * D, D) * D**-0.5,
            b + 'attn.qkv.bias': r(3 * D),
            b + 'attn.proj.weight': r(D, D) * D**-0.5,
            b + 'attn.proj.bias': r(D),
            b + 'norm2.weight': 1 + 0.1 * r(D), b + 'norm2.bias': r(D),
            b + 'mlp.fc1.weight': r(4 * D, D) * D**-0.5,
            b + 'mlp.fc1.bias': r(4 * D),
            b + 'mlp.fc2.weight': r(D, 4 * D) * (4 * D)**-0.5,
            b + 'mlp.fc2.bias': r(D)})
    if decoder:
        sd.update({'mask_token': r(1, 1, 8), 'decoder_embed.weight': r(8, D),
                   'decoder_blocks.0.norm1.weight': r(8),
                   'decoder_pred.weight': r(16 * 16 * in_ch, 8)})
    return {prefix + k: v for k, v in sd.items()}


def timm_block(x, W, p):
    """Reference timm ViT block (LayerNorm eps 1e-6)."""
    B, N, _ = x.shape
    h = F.layer_norm(x, (D, ), W[p + 'norm1.weight'], W[p + 'norm1.bias'],
                     1e-6)
    qkv = F.linear(h, W[p + 'attn.qkv.weight'], W[p + 'attn.qkv.bias'])
    q, k, v = qkv.view(B, N, 3, HEADS, D // HEADS).permute(2, 0, 3, 1, 4)
    a = ((q @ k.transpose(-1, -2)) * (D // HEADS)**-0.5).softmax(-1) @ v
    x = x + F.linear(a.transpose(1, 2).reshape(B, N, D),
                     W[p + 'attn.proj.weight'], W[p + 'attn.proj.bias'])
    h = F.layer_norm(x, (D, ), W[p + 'norm2.weight'], W[p + 'norm2.bias'],
                     1e-6)
    h = F.gelu(F.linear(h, W[p + 'mlp.fc1.weight'], W[p + 'mlp.fc1.bias']))
    return x + F.linear(h, W[p + 'mlp.fc2.weight'], W[p + 'mlp.fc2.bias'])


def save_mae(path, sd):
    torch.save({'model': sd, 'epoch': 399,
                'args': argparse.Namespace(model='mae_vit_base_patch16')},
               path)


def test_timm_keys_land_in_place(tmp_path):
    sd = timm_vit(grid=4)
    save_mae(tmp_path / 'mae_face.pth', sd)
    out_path = tmp_path / 'out' / 'face.pth'
    load_converter('mae_face2mmfer').main(
        [str(tmp_path / 'mae_face.pth'), str(out_path), '--img-size', '32'])
    out = torch.load(out_path)['state_dict']
    mapping = {'cls_token': 'cls_token', 'pos_embed': 'pos_embed',
               'patch_embed.proj.weight': 'patch_embed.projection.weight',
               'patch_embed.proj.bias': 'patch_embed.projection.bias',
               'norm.weight': 'ln1.weight', 'norm.bias': 'ln1.bias'}
    for i in range(L):
        for a, b in (('norm1', 'ln1'), ('attn.qkv', 'attn.qkv'),
                     ('attn.proj', 'attn.proj'), ('norm2', 'ln2'),
                     ('mlp.fc1', 'ffn.layers.0.0'),
                     ('mlp.fc2', 'ffn.layers.1')):
            for w in ('weight', 'bias'):
                mapping[f'blocks.{i}.{a}.{w}'] = f'layers.{i}.{b}.{w}'
    assert set(out) == set(mapping.values())  # decoder keys ignored
    for src, dst in mapping.items():
        assert torch.equal(out[dst], sd[src]), src

    # the encoder loads it and computes the timm ViT forward exactly
    enc = PromptedViT(arch=dict(embed_dims=D, num_layers=L, num_heads=HEADS,
                                feedforward_channels=4 * D),
                      img_size=32, num_prompts=0, progressive_blocks=(),
                      pretrained=str(out_path)).eval()
    enc.init_weights()
    img = torch.rand(2, 3, 32, 32)
    x = F.conv2d(img, sd['patch_embed.proj.weight'],
                 sd['patch_embed.proj.bias'], stride=16)
    x = torch.cat([sd['cls_token'].expand(2, -1, -1),
                   x.flatten(2).transpose(1, 2)], 1) + sd['pos_embed']
    for i in range(L):
        x = timm_block(x, sd, f'blocks.{i}.')
    ref = F.layer_norm(x, (D, ), sd['norm.weight'], sd['norm.bias'], 1e-6)
    torch.testing.assert_close(enc(img), ref[:, 0])


def test_mae_face_pos_embed_resized_for_112px(tmp_path):
    sd = timm_vit(grid=196, depth=1, decoder=False)
    save_mae(tmp_path / 'f.pth', sd)
    out = load_converter('mae_face2mmfer').convert(
        str(tmp_path / 'f.pth'), str(tmp_path / 'o.pth'), img_size=112)
    from mmpretrain.models.utils import resize_pos_embed
    torch.testing.assert_close(
        out['pos_embed'],
        resize_pos_embed(sd['pos_embed'], (14, 14), (7, 7), 'bicubic', 1))


def test_audiomae_grid_64x8_to_32x8(tmp_path):
    sd = timm_vit(in_ch=1, grid=64 * 8, depth=1)
    save_mae(tmp_path / 'audiomae.pth', sd)
    out_path = tmp_path / 'audio.pth'
    load_converter('audiomae2mmfer').main(
        [str(tmp_path / 'audiomae.pth'), str(out_path)])
    out = torch.load(out_path)['state_dict']
    pos = out['pos_embed']
    assert pos.shape == (1, 1 + 32 * 8, D)
    torch.testing.assert_close(pos[:, 0], sd['pos_embed'][:, 0])  # cls kept
    grid = sd['pos_embed'][0, 1:].view(64, 8, D).permute(2, 0, 1)[None]
    ref = F.interpolate(grid, size=(32, 8), mode='bicubic',
                        align_corners=False)[0].permute(1, 2, 0)
    torch.testing.assert_close(pos[0, 1:], ref.reshape(256, D))
    assert out['patch_embed.projection.weight'].shape == (D, 1, 16, 16)
    with pytest.raises(ValueError, match='1 \\(fbank\\)'):
        save_mae(tmp_path / 'rgb.pth', timm_vit(grid=64 * 8, depth=1))
        load_converter('audiomae2mmfer').convert(str(tmp_path / 'rgb.pth'),
                                            str(tmp_path / 'x.pth'))


def test_unknown_key_is_an_error(tmp_path):
    sd = timm_vit(grid=4, depth=1)
    sd['blocks.0.attn.q_bias'] = torch.zeros(D)
    save_mae(tmp_path / 'x.pth', sd)
    with pytest.raises(KeyError, match='q_bias'):
        load_converter('mae_face2mmfer').convert(str(tmp_path / 'x.pth'),
                                            str(tmp_path / 'y.pth'), 32)


# ---------------------------------------------------------------------------
# official MMA-DFER checkpoint
# ---------------------------------------------------------------------------
def official_state_dict(n_img=4, n_aud=8, classes=7, mtt_dim=8, g=None,
                        dims=(D, d)):
    """GenerateModel.state_dict() keys (nn.DataParallel: 'module.')."""
    g = g or torch.Generator().manual_seed(1)
    D_, d_ = dims

    def r(*shape):
        return torch.randn(*shape, generator=g) * 0.5

    sd = {}
    for enc, n, ch in (('image_encoder', n_img, 3), ('audio_model', n_aud,
                                                     1)):
        vit = timm_vit(in_ch=ch, grid=n, g=g, decoder=False)
        vit.pop('pos_embed')
        sd.update({f'{enc}.{k}': v for k, v in vit.items()})
        sd[f'{enc}.pos_embed'] = r(1, 1 + n + 6, D_)
        sd[f'{enc}.learnable_prompts_init'] = r(6, D_)
        for k in range(2):
            sd[f'{enc}.learnable_prompts_progr.{k}'] = r(3, D_)
        sd[f'{enc}.head.weight'] = r(12 if ch == 3 else 1000, D_)
        sd[f'{enc}.head.bias'] = r(12 if ch == 3 else 1000)
        for i in range(L):
            sd[f'{enc}.temporal_att_post.{i}.0.weight'] = r(D_, d_)
            sd[f'{enc}.temporal_att_post.{i}.0.bias'] = r(D_)
            sd[f'{enc}.all_gate.{i}'] = r(1)
    for i in range(L):
        sd[f'image_encoder.temporal_pre.{i}.weight'] = r(d_, D_)
        sd[f'image_encoder.temporal_pre.{i}.bias'] = r(d_)
        sd[f'image_encoder.temporal_pre_norm.{i}.weight'] = r(d_)
        sd[f'image_encoder.temporal_pre_norm.{i}.bias'] = r(d_)
        sd[f'image_encoder.audio_proj_pre.{i}.0.weight'] = r(d_, D_)
        sd[f'image_encoder.audio_proj_pre.{i}.0.bias'] = r(d_)
        sd[f'image_encoder.audio_proj_pre.{i}.1.weight'] = r(d_)
        sd[f'image_encoder.audio_proj_pre.{i}.1.bias'] = r(d_)
    M = mtt_dim
    t = 'temporal_net.temporal_transformer.layers.0.'
    sd.update({
        'temporal_net.cls_token': r(1, 1, M),
        'temporal_net.pos_embedding': r(1, 17, M),
        t + '0.fn.norm.weight': r(M), t + '0.fn.norm.bias': r(M),
        t + '0.fn.norm2.weight': r(M), t + '0.fn.norm2.bias': r(M),
        t + '0.fn.fn.to_kv.weight': r(2 * M, M),
        t + '0.fn.fn.to_q.weight': r(M, M),
        t + '0.fn.fn.to_out.0.weight': r(M, M),
        t + '0.fn.fn.to_out.0.bias': r(M),
        t + '1.fn.norm.weight': r(M), t + '1.fn.norm.bias': r(M),
        t + '1.fn.norm2.weight': r(M), t + '1.fn.norm2.bias': r(M),
        t + '1.fn.fn.net.0.weight': r(2 * M, M),
        t + '1.fn.fn.net.0.bias': r(2 * M),
        t + '1.fn.fn.net.3.weight': r(M, 2 * M),
        t + '1.fn.fn.net.3.bias': r(M),
        'vision_proj.weight': r(M, D_), 'vision_proj.bias': r(M),
        'our_classifier.weight': r(classes, M),
        'our_classifier.bias': r(classes),
    })
    return {'module.' + k: v for k, v in sd.items()}


def tiny_mma_dfer():
    enc = dict(type='PromptedViT', arch=dict(
        embed_dims=D, num_layers=L, num_heads=HEADS,
        feedforward_channels=4 * D), patch_size=16, drop_path_rate=0.)
    return MODELS.build(dict(
        type='MMADFER',
        image_encoder=dict(enc, img_size=32),
        audio_encoder=dict(enc, img_size=(64, 32), in_channels=1),
        fusion=dict(type='FusionBottleneck', latent_dims=d),
        temporal=dict(type='MultimodalTemporalTransformer', num_heads=2,
                      feedforward_channels=16, num_frames=16),
        joint_dims=8,
        head=dict(type='mmpretrain.LinearClsHead', num_classes=7,
                  in_channels=8,
                  loss=dict(type='mmpretrain.CrossEntropyLoss')))).eval()


def official_forward(W, image, audio):
    """The official GenerateModel.forward, from the raw official tensors."""
    W = {k[len('module.'):]: v for k, v in W.items()}
    n, t = image.shape[:2]
    B = n * t

    def embed(enc, x):
        x = F.conv2d(x, W[f'{enc}.patch_embed.proj.weight'],
                     W[f'{enc}.patch_embed.proj.bias'], stride=16)
        b = x.shape[0]
        x = torch.cat([W[f'{enc}.cls_token'].expand(b, -1, -1),
                       x.flatten(2).transpose(1, 2),
                       W[f'{enc}.learnable_prompts_init'].expand(b, -1, -1)],
                      1)
        return x + W[f'{enc}.pos_embed']

    def ln(x, p, eps=1e-5):
        return F.layer_norm(x, x.shape[-1:], W[p + '.weight'],
                            W[p + '.bias'], eps)

    def lin(x, p):
        return F.linear(x, W[p + '.weight'], W.get(p + '.bias'))

    img = embed('image_encoder', image.reshape(B, *image.shape[2:]))
    aud = embed('audio_model', audio)
    n_img, n_aud = img.shape[1] - 7, aud.shape[1] - 7
    for ii in range(L):
        img = timm_block(img, W, f'image_encoder.blocks.{ii}.')
        aud = timm_block(aud, W, f'audio_model.blocks.{ii}.')
        i_low = ln(lin(img, f'image_encoder.temporal_pre.{ii}'),
                   f'image_encoder.temporal_pre_norm.{ii}')
        a_low = ln(lin(aud, f'image_encoder.audio_proj_pre.{ii}.0'),
                   f'image_encoder.audio_proj_pre.{ii}.1')
        i_low2 = i_low + a_low.mean(1).unsqueeze(1).repeat_interleave(t, 0)
        a_low2 = a_low + i_low.view(B // t, t, -1, d).mean(1).mean(
            1).unsqueeze(1)
        for enc, x, low, nseq in (('image_encoder', img, i_low2, n_img),
                                  ('audio_model', aud, a_low2, n_aud)):
            u = F.gelu(lin(low, f'{enc}.temporal_att_post.{ii}.0'))
            x = x + torch.tanh(W[f'{enc}.all_gate.{ii}']) * u
            if ii % 6 == 0:
                s = nseq + 1 + ii // 6 * 3
                x = x.clone()
                x[:, s:s + 3] = x[:, s:s + 3] + \
                    W[f'{enc}.learnable_prompts_progr.{ii // 6}']
            if enc == 'image_encoder':
                img = x
            else:
                aud = x
    img = ln(img, 'image_encoder.norm', 1e-6)[:, 0].view(n, t, -1)
    aud = ln(aud, 'audio_model.norm', 1e-6)[:, 0]
    x = lin(img + aud.unsqueeze(1), 'vision_proj')
    # Temporal_Transformer_Cls, PreNorm/Residual, tanh-approximated GELU
    x = torch.cat([W['temporal_net.cls_token'].expand(n, -1, -1), x], 1)
    x = x + W['temporal_net.pos_embedding'][:, :t + 1]
    p = 'temporal_net.temporal_transformer.layers.0.'
    h = ln(x, p + '0.fn.norm')
    q = lin(h, p + '0.fn.fn.to_q')
    k, v = lin(h, p + '0.fn.fn.to_kv').chunk(2, dim=-1)
    heads = 2
    q, k, v = (z.view(n, t + 1, heads, -1).transpose(1, 2) for z in (q, k, v))
    a = ((q @ k.transpose(-1, -2)) * q.shape[-1]**-0.5).softmax(-1) @ v
    x = x + lin(a.transpose(1, 2).reshape(n, t + 1, -1),
                p + '0.fn.fn.to_out.0')
    h = ln(x, p + '1.fn.norm')
    x = x + lin(F.gelu(lin(h, p + '1.fn.fn.net.0'), approximate='tanh'),
                p + '1.fn.fn.net.3')
    return lin(x[:, 0], 'our_classifier')


def test_official_checkpoint_converts_and_reproduces_forward(tmp_path):
    official = official_state_dict()
    src = tmp_path / 'DFEW_set1.pth'
    torch.save({'epoch': 25, 'state_dict': official, 'best_acc': 70.0},
               src)
    dst = tmp_path / 'converted.pth'
    load_converter('mma_dfer2mmfer').main([str(src), str(dst)])
    converted = torch.load(dst)['state_dict']
    model = tiny_mma_dfer()
    model.load_state_dict(converted, strict=True)  # every key, every shape

    O = {k[len('module.'):]: v for k, v in official.items()}
    # trainable parts: spot-check every family at its destination
    for enc, src_enc in (('image_encoder', 'image_encoder'),
                         ('audio_encoder', 'audio_model')):
        assert torch.equal(converted[f'{enc}.pos_embed'],
                           O[f'{src_enc}.pos_embed'])
        assert torch.equal(converted[f'{enc}.prompts'],
                           O[f'{src_enc}.learnable_prompts_init'])
        for k in range(2):
            assert torch.equal(
                converted[f'{enc}.progressive_prompts.{k}'],
                O[f'{src_enc}.learnable_prompts_progr.{k}'])
        assert torch.equal(converted[f'{enc}.layers.3.attn.qkv.weight'],
                           O[f'{src_enc}.blocks.3.attn.qkv.weight'])
        assert torch.equal(converted[f'{enc}.ln1.bias'],
                           O[f'{src_enc}.norm.bias'])
    for i in range(L):
        f = f'fusions.{i}.'
        assert torch.equal(converted[f + 'down.0.0.weight'],
                           O[f'image_encoder.temporal_pre.{i}.weight'])
        assert torch.equal(converted[f + 'down.0.1.bias'],
                           O[f'image_encoder.temporal_pre_norm.{i}.bias'])
        assert torch.equal(converted[f + 'down.1.0.weight'],
                           O[f'image_encoder.audio_proj_pre.{i}.0.weight'])
        assert torch.equal(converted[f + 'down.1.1.weight'],
                           O[f'image_encoder.audio_proj_pre.{i}.1.weight'])
        assert torch.equal(
            converted[f + 'up.0.0.weight'],
            O[f'image_encoder.temporal_att_post.{i}.0.weight'])
        assert torch.equal(converted[f + 'up.1.0.bias'],
                           O[f'audio_model.temporal_att_post.{i}.0.bias'])
        assert converted[f + 'alpha'].tolist() == [
            O[f'image_encoder.all_gate.{i}'].item(),
            O[f'audio_model.all_gate.{i}'].item()]
    t = 'temporal_net.temporal_transformer.layers.0.'
    assert torch.equal(
        converted['temporal.layers.0.attn.qkv.weight'],
        torch.cat([O[t + '0.fn.fn.to_q.weight'],
                   O[t + '0.fn.fn.to_kv.weight']]))
    assert torch.equal(converted['temporal.pos_embed'],
                       O['temporal_net.pos_embedding'])
    assert torch.equal(converted['temporal.layers.0.ffn.layers.1.weight'],
                       O[t + '1.fn.fn.net.3.weight'])
    assert torch.equal(converted['joint_proj.weight'],
                       O['vision_proj.weight'])
    assert torch.equal(converted['head.fc.bias'], O['our_classifier.bias'])

    # and the converted model computes the official forward pass
    image = torch.rand(2, T, 3, 32, 32)
    audio = torch.randn(2, 1, 64, 32)
    ref = official_forward(official, image, audio)
    out = model(dict(video=image, audio=audio), mode='tensor')
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)


def test_official_trainable_keys_fit_vit_base_default_config(tmp_path):
    """Full-size shapes of the official trainable keys (the frozen ViT-B
    weights are left out to keep the test light)."""
    conv = load_converter('mma_dfer2mmfer')
    official = official_state_dict(n_img=196, n_aud=256, mtt_dim=512,
                                   dims=(768, 128), g=None)
    frozen = re.compile(r'^module\.(image_encoder|audio_model)\.'
                        r'(blocks\.|patch_embed\.|cls_token|norm\.)')
    official = {k: v for k, v in official.items() if not frozen.match(k)}
    converted, dropped = conv.convert_state_dict(official)
    assert sorted(dropped) == sorted(
        ['image_encoder.head.weight', 'image_encoder.head.bias',
         'audio_model.head.weight', 'audio_model.head.bias',
         'temporal_net.temporal_transformer.layers.0.0.fn.norm2.weight',
         'temporal_net.temporal_transformer.layers.0.0.fn.norm2.bias',
         'temporal_net.temporal_transformer.layers.0.1.fn.norm2.weight',
         'temporal_net.temporal_transformer.layers.0.1.fn.norm2.bias'])
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/models/mma_dfer_vit-base.py'))
    model = MODELS.build(cfg.model)
    missing, unexpected = model.load_state_dict(converted, strict=False)
    assert unexpected == []
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable <= set(converted)  # every trainable tensor is set
    assert all(not model.get_parameter(k).requires_grad for k in missing)
