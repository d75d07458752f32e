"""tools/model_converters/mae2mmfer.py on an official-layout MAE state dict:
the converted encoder computes what a reference MAE ViT computes."""

import torch
from torch import nn

from mmfer.registry import MODELS
from tool_scripts import load_tool


def _load_tool():
    return load_tool('model_converters', 'mae2mmfer.py')


class Attention(nn.Module):  # timm / MAE layout

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # (B, h, N, d) each
        attn = (q @ k.transpose(-2, -1)) * (C // self.heads)**-0.5
        x = (attn.softmax(-1) @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Mlp(nn.Module):

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x)))


class Block(nn.Module):

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):

    def __init__(self, dim, p):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, p, p)


class RefMAEEncoder(nn.Module):
    """facebookresearch/mae ``MaskedAutoencoderViT`` encoder, no masking."""

    def __init__(self, dim=32, depth=2, heads=2, hidden=64, p=8, size=32):
        super().__init__()
        L = (size // p)**2
        self.patch_embed = PatchEmbed(dim, p)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, L + 1, dim))
        self.blocks = nn.ModuleList(
            [Block(dim, heads, hidden) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.decoder_embed = nn.Linear(dim, 16)  # dropped by the converter
        self.mask_token = nn.Parameter(torch.zeros(1, 1, 16))

    def forward(self, imgs):
        x = self.patch_embed.proj(imgs).flatten(2).transpose(1, 2)
        x = x + self.pos_embed[:, 1:]
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(x.shape[0], -1,
                                                              -1)
        x = torch.cat([cls, x], 1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


def test_converted_encoder_matches_reference(tmp_path):
    torch.manual_seed(0)
    ref = RefMAEEncoder().eval()
    for p in ref.parameters():  # non-trivial norms and biases too
        p.data.normal_(0, 0.2)
    src = tmp_path / 'mae_pretrain_vit_tiny.pth'
    torch.save({'model': ref.state_dict()}, src)
    dst = tmp_path / 'converted.pth'
    _load_tool().main([str(src), str(dst)])
    sd = torch.load(dst, weights_only=True)['state_dict']
    assert all(k.startswith('backbone.') for k in sd)
    assert not any('decoder' in k or 'mask_token' in k for k in sd)

    arch = dict(embed_dims=32, num_layers=2, num_heads=2,
                feedforward_channels=64)
    for cfg in (dict(type='mmpretrain.VisionTransformer', out_type='raw'),
                dict(type='MaskedViT')):
        enc = MODELS.build(dict(
            cfg, arch=arch, img_size=32, patch_size=8,
            init_cfg=dict(type='Pretrained', checkpoint=str(dst),
                          prefix='backbone.')))
        enc.init_weights()
        enc.eval()
        x = torch.rand(2, 3, 32, 32)
        masked = cfg['type'] == 'MaskedViT'
        out = enc(x, mask=False)[0] if masked else enc(x)[0]
        torch.testing.assert_close(out, ref(x), atol=1e-5, rtol=1e-4)
