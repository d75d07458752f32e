"""PromptedViT: prompts at the input, progressive prompts (Eq. (1)),
pos-embed resizing, freezing (MMA-DFER Sec. 3.2, 4.2)."""
import pytest
import torch
from mmpretrain.models.utils import resize_pos_embed

from mmfer.models.backbones import PromptedViT

TINY12 = dict(embed_dims=16, num_layers=12, num_heads=2,
              feedforward_channels=32)


def tiny(**kwargs):
    cfg = dict(arch=TINY12, img_size=32, patch_size=8, drop_path_rate=0.)
    cfg.update(kwargs)
    return PromptedViT(**cfg).eval()


def test_shapes_and_token_layout():
    enc = tiny()
    assert enc.patch_resolution == (4, 4)
    assert enc.num_tokens == 1 + 16 + 6
    assert enc.pos_embed.shape == (1, 23, 16)
    assert enc.prompts.shape == (6, 16)
    assert [p.shape for p in enc.progressive_prompts] == [(3, 16), (3, 16)]
    x = enc.embed(torch.rand(2, 3, 32, 32))
    assert x.shape == (2, 23, 16)
    assert enc(torch.rand(2, 3, 32, 32)).shape == (2, 16)


def test_audio_grid_non_square():
    enc = PromptedViT(arch=TINY12, img_size=(512, 128), patch_size=16,
                      in_channels=1)
    assert enc.patch_resolution == (32, 8)
    assert enc.embed(torch.rand(1, 1, 512, 128)).shape == (1, 1 + 256 + 6, 16)


def test_prompts_appended_after_patches_at_input():
    enc = tiny()
    img = torch.rand(2, 3, 32, 32)
    x = enc.embed(img)
    patches, _ = enc.patch_embed(img)
    pos = enc.pos_embed[0]
    torch.testing.assert_close(x[:, 0], (enc.cls_token[0, 0] + pos[0])
                               .expand(2, -1))
    torch.testing.assert_close(x[:, 1:17], patches + pos[1:17])
    torch.testing.assert_close(x[:, 17:], (enc.prompts + pos[17:])
                               .expand(2, -1, -1))


def test_progressive_prompts_added_after_blocks_0_and_6():
    enc = tiny()
    x = torch.randn(2, 23, 16)
    for i in range(12):
        y = enc.add_progressive_prompts(i, x)
        if i == 0:
            k = 0
        elif i == 6:
            k = 1
        else:
            assert y is x
            continue
        expected = x.clone()
        expected[:, 17 + 3 * k:17 + 3 * (k + 1)] += \
            enc.progressive_prompts[k]
        torch.testing.assert_close(y, expected)
        # only the prompt tokens of set k change
        changed = (y != x).any(dim=(0, 2)).nonzero().flatten().tolist()
        assert changed == list(range(17 + 3 * k, 20 + 3 * k))


def test_forward_equals_manual_interleaving():
    enc = tiny()
    img = torch.rand(1, 3, 32, 32)
    x = enc.embed(img)
    for i in range(12):
        x = enc.layers[i](x)
        if i in (0, 6):
            k = (0, 6).index(i)
            x = x.clone()
            x[:, 17 + 3 * k:20 + 3 * k] += enc.progressive_prompts[k]
    torch.testing.assert_close(enc(img), enc.ln1(x)[:, 0])


def test_no_prompts():
    enc = tiny(num_prompts=0, progressive_blocks=())
    assert enc.prompts is None and len(enc.progressive_prompts) == 0
    assert enc.embed(torch.rand(1, 3, 32, 32)).shape == (1, 17, 16)
    # without progressive prompts: the initial prompts only
    enc = tiny(progressive_blocks=())
    x = torch.randn(1, 23, 16)
    assert all(enc.add_progressive_prompts(i, x) is x for i in range(12))


def test_bad_arguments():
    with pytest.raises(ValueError, match='Unknown PromptedViT arch'):
        PromptedViT(arch='huge-ish')
    with pytest.raises(ValueError, match='lacks'):
        PromptedViT(arch=dict(embed_dims=16))
    with pytest.raises(ValueError, match='multiple'):
        tiny(num_prompts=5)
    with pytest.raises(ValueError, match='block indices'):
        tiny(progressive_blocks=(0, 12))
    with pytest.raises(ValueError, match='patch grid'):
        tiny().embed(torch.rand(1, 3, 48, 48))


def _updated_tokens(enc, i):
    """Token indices that add_progressive_prompts(i) changes."""
    x = torch.zeros(1, enc.num_tokens, 16)
    y = enc.add_progressive_prompts(i, x)
    return (y != x).any(dim=(0, 2)).nonzero().flatten().tolist()


@pytest.mark.parametrize('every', [1, 2, 3, 6])
def test_table7_own_tokens_per_set(every):
    """Table 7, 12 / 6 / 4 / 2 sets (every 1st/2nd/3rd/6th block) of 3
    tokens, each set its own tokens: M = 3 S (the official layout)."""
    blocks = tuple(range(0, 12, every))
    S = len(blocks)
    enc = tiny(num_prompts=None, prompts_per_set=3, progressive_blocks=blocks)
    assert enc.num_prompts == 3 * S
    assert enc.prompts.shape == (3 * S, 16)
    assert [p.shape for p in enc.progressive_prompts] == [(3, 16)] * S
    assert enc.num_tokens == 1 + 16 + 3 * S
    for i in range(12):
        if i in blocks:
            k = blocks.index(i)
            assert _updated_tokens(enc, i) == list(range(17 + 3 * k,
                                                         20 + 3 * k))
        else:
            assert _updated_tokens(enc, i) == []
    assert enc(torch.rand(2, 3, 32, 32)).shape == (2, 16)


@pytest.mark.parametrize('every', [1, 3])
def test_table7_fixed_six_prompts_sets_cycle(every):
    """Table 7 with M = 6 kept: 12 or 4 sets of 3 tokens alternate between
    prompt tokens 0-2 and 3-5 (M / S is no integer there)."""
    blocks = tuple(range(0, 12, every))
    with pytest.raises(ValueError, match='prompts_per_set'):
        tiny(num_prompts=6, progressive_blocks=blocks)  # Eq. (1): 6 / S
    enc = tiny(num_prompts=6, prompts_per_set=3, progressive_blocks=blocks)
    assert enc.num_tokens == 1 + 16 + 6
    assert len(enc.progressive_prompts) == len(blocks)
    for k, i in enumerate(blocks):
        start = 17 + 3 * (k % 2)
        assert _updated_tokens(enc, i) == list(range(start, start + 3))
    assert enc(torch.rand(1, 3, 32, 32)).shape == (1, 16)


def test_prompts_per_set_equals_eq1_when_it_divides():
    torch.manual_seed(0)
    a = tiny()
    torch.manual_seed(0)
    b = tiny(prompts_per_set=3)
    assert a.progressive_offsets == b.progressive_offsets == (0, 3)
    img = torch.rand(1, 3, 32, 32)
    torch.testing.assert_close(a(img), b(img))


def test_bad_prompt_layouts():
    with pytest.raises(ValueError, match='needs prompts_per_set'):
        tiny(num_prompts=None)
    with pytest.raises(ValueError, match='multiple of prompts_per_set'):
        tiny(num_prompts=4, prompts_per_set=3)
    with pytest.raises(ValueError, match='positive value'):
        tiny(prompts_per_set=0)
    with pytest.raises(ValueError, match='positive value'):
        tiny(prompts_per_set=3, progressive_blocks=())


def test_frozen_pos_embed():
    enc = tiny(num_prompts=0, progressive_blocks=(),
               trainable_pos_embed=False)
    assert not any(p.requires_grad for p in enc.parameters())
    enc = tiny(trainable_pos_embed=False)
    trainable = {n for n, p in enc.named_parameters() if p.requires_grad}
    assert trainable == {'prompts', 'progressive_prompts.0',
                         'progressive_prompts.1'}


def test_frozen_parameters():
    enc = tiny()
    trainable = {n for n, p in enc.named_parameters() if p.requires_grad}
    assert trainable == {'pos_embed', 'prompts', 'progressive_prompts.0',
                         'progressive_prompts.1'}
    enc = tiny(frozen=False)
    assert all(p.requires_grad for p in enc.parameters())


def test_pos_embed_resize_64x8_to_32x8_keeps_cls():
    enc = PromptedViT(arch=TINY12, img_size=(512, 128), patch_size=16,
                      in_channels=1)
    ckpt_pos = torch.randn(1, 1 + 64 * 8, 16)
    from mmfer.models.utils.timm_vit import resize_grid_pos_embed
    resized = resize_grid_pos_embed(ckpt_pos, (64, 8), (32, 8))
    assert resized.shape == (1, 257, 16)
    torch.testing.assert_close(resized[:, 0], ckpt_pos[:, 0])
    # bicubic over the time axis (align_corners=False): the frequency
    # axis is unchanged, each new row interpolates the old ones
    grid = ckpt_pos[0, 1:].view(64, 8, 16).permute(2, 0, 1)[None]
    ref = torch.nn.functional.interpolate(grid, size=(32, 8),
                                          mode='bicubic', align_corners=False)
    torch.testing.assert_close(resized[0, 1:], ref[0].permute(1, 2, 0)
                               .reshape(256, 16))
    # loading it: prompt rows appended from the encoder's own init
    prompt_rows = enc.pos_embed.detach()[:, 257:].clone()
    state = {k: v.clone() for k, v in enc.state_dict().items()}
    state['pos_embed'] = resized
    for k in ('prompts', 'progressive_prompts.0', 'progressive_prompts.1'):
        state.pop(k)
    enc.load_pretrained_state_dict(state)
    torch.testing.assert_close(enc.pos_embed[:, :257], resized)
    torch.testing.assert_close(enc.pos_embed[:, 257:], prompt_rows)


def test_pos_embed_square_resize_on_load():
    # 224-px checkpoint (14x14) into a 112-px encoder (7x7)
    enc = PromptedViT(arch=TINY12, img_size=112, patch_size=16)
    ckpt_pos = torch.randn(1, 1 + 196, 16)
    state = dict(enc.state_dict(), pos_embed=ckpt_pos)
    enc.load_state_dict(state)
    expected = resize_pos_embed(ckpt_pos, (14, 14), (7, 7), 'bicubic', 1)
    torch.testing.assert_close(enc.pos_embed[:, :50], expected)
    bad = dict(enc.state_dict(), pos_embed=torch.randn(1, 1 + 512, 16))
    with pytest.raises(ValueError, match='non-square'):
        enc.load_state_dict(bad)


def test_missing_pretrained_names_file_and_converter(tmp_path):
    missing = str(tmp_path / 'mae_face.pth')
    enc = tiny(pretrained=missing,
               pretrained_hint='python tools/model_converters/'
               'mae_face2mmfer.py SRC DST')
    with pytest.raises(FileNotFoundError) as err:
        enc.init_weights()
    assert missing in str(err.value)
    assert 'mae_face2mmfer.py' in str(err.value)
    assert 'pretrained=None' in str(err.value)


def test_pretrained_round_trip(tmp_path):
    src = tiny()
    state = {k: v for k, v in src.state_dict().items()
             if not k.startswith(('prompts', 'progressive'))}
    state['pos_embed'] = state['pos_embed'][:, :17]
    path = tmp_path / 'enc.pth'
    torch.save({'state_dict': state}, path)
    dst = tiny(pretrained=str(path))
    dst.init_weights()
    for k, v in state.items():
        if k != 'pos_embed':
            torch.testing.assert_close(dst.state_dict()[k], v)
    torch.save({'state_dict': dict(state, extra=torch.zeros(1))}, path)
    with pytest.raises(KeyError, match='unexpected'):
        tiny(pretrained=str(path)).init_weights()


def test_pretrained_prefix_takes_the_encoder_of_a_full_checkpoint(tmp_path):
    """E.g. an MCM pre-training checkpoint (``backbone.*`` + decoders) as a
    frozen MMA-DFER face encoder."""
    src = tiny()
    state = {f'backbone.{k}': v for k, v in src.state_dict().items()
             if not k.startswith(('prompts', 'progressive'))}
    state['backbone.pos_embed'] = state['backbone.pos_embed'][:, :17]
    state['neck.decoders.rgb.mask_token'] = torch.zeros(1, 1, 8)
    path = tmp_path / 'mcm.pth'
    torch.save({'state_dict': state}, path)
    dst = tiny(pretrained=str(path), pretrained_prefix='backbone.')
    dst.init_weights()
    torch.testing.assert_close(dst.layers[3].attn.qkv.weight,
                               src.layers[3].attn.qkv.weight)
    with pytest.raises(KeyError, match='no keys starting with'):
        tiny(pretrained=str(path), pretrained_prefix='encoder.').init_weights()


@pytest.mark.parametrize('drop_path_rate', [0.5, 0.9])
def test_stochastic_depth_skips_dropped_samples_same_output(drop_path_rate):
    """forward_block runs each branch on the kept samples only; with the
    same random stream it equals the mmpretrain block (which computes the
    dropped branches and multiplies them by 0), values and gradients."""
    torch.manual_seed(0)
    enc = PromptedViT(arch=dict(embed_dims=16, num_layers=2, num_heads=2,
                                feedforward_channels=32), img_size=16,
                      patch_size=8, drop_path_rate=drop_path_rate,
                      progressive_blocks=(), num_prompts=2).train()
    assert enc.drop_path_probs == (0., drop_path_rate)
    x = torch.randn(12, enc.num_tokens, 16)
    outs, grads = [], []
    for run in (lambda h: enc.layers[1](h), lambda h: enc.forward_block(1, h)):
        h = x.clone().requires_grad_()
        torch.manual_seed(3)
        out = run(h)
        out.pow(2).sum().backward()
        outs.append(out.detach())
        grads.append(h.grad)
    torch.testing.assert_close(outs[1], outs[0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-5, atol=1e-6)
    # every branch dropped: the identity, the branch never runs
    out = enc._residual(x, torch.zeros(12), 0.5, branch=None)
    assert out is x
