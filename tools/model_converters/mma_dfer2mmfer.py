# Convert an official MMA-DFER checkpoint (katerynaCh/MMA-DFER, e.g. the
# released DFEW fold models) into an mmfer MMADFER state dict.
#   python tools/model_converters/mma_dfer2mmfer.py \
#       DFEW_set1.pth checkpoints/mma-dfer_dfew-fold1.pth
# then: python tools/test.py configs/mma_dfer/<config>.py \
#       checkpoints/mma-dfer_dfew-fold1.pth
#
# Official key -> mmfer key (L = block, K = progressive set, E = encoder):
#   E.pos_embed, E.learnable_prompts_init, E.learnable_prompts_progr.K
#       -> {image,audio}_encoder.{pos_embed, prompts, progressive_prompts.K}
#   image_encoder.temporal_pre.L / temporal_pre_norm.L
#       -> fusions.L.down.0.{0,1}  (image Linear + LayerNorm)
#   image_encoder.audio_proj_pre.L.{0,1} -> fusions.L.down.1.{0,1}
#   image_encoder.temporal_att_post.L.0  -> fusions.L.up.0.0
#   audio_model.temporal_att_post.L.0    -> fusions.L.up.1.0
#   {image_encoder,audio_model}.all_gate.L -> fusions.L.alpha[0], [1]
#   vision_proj -> joint_proj;  our_classifier -> head.fc
#   temporal_net.{cls_token, pos_embedding} -> temporal.{cls_token, pos_embed}
#   temporal_net.temporal_transformer.layers.L.0.fn.norm
#                               -> temporal.layers.L.ln1
#     ...L.0.fn.fn.{to_q,to_kv} -> temporal.layers.L.attn.qkv ([q; k; v])
#     ...L.0.fn.fn.to_out.0     -> temporal.layers.L.attn.proj
#     ...L.1.fn.norm            -> temporal.layers.L.ln2
#     ...L.1.fn.fn.net.{0,3}    -> temporal.layers.L.ffn.layers.{0.0,1}
#   frozen encoder weights (timm layout) -> *_encoder.{patch_embed, layers,
#       ln1, cls_token}
# Dropped (unused by the official forward): the encoders' timm heads
# (*.head.*) and the temporal PreNorm's norm2.
import argparse
import os
import os.path as osp
import re
from collections import defaultdict

import torch

from mmfer.models.utils.timm_vit import (convert_timm_vit,
                                         load_timm_state_dict)

ENCODERS = {'image_encoder': 'image_encoder', 'audio_model': 'audio_encoder'}


def load_weights(src: str, trust: bool) -> dict:
    """``src``'s weights; a refused pickle names this tool's ``--trust``."""
    return load_timm_state_dict(src, trust, tool=__file__)


def _encoder_key(key: str, rest: str, value, out, fusion, dropped, frozen):
    """Route one key (``key`` = ``<encoder>.<rest>``) of an encoder."""
    enc = ENCODERS[key.partition('.')[0]]
    m = re.match(r'^learnable_prompts_init$', rest)
    if m:
        out[f'{enc}.prompts'] = value
        return
    m = re.match(r'^learnable_prompts_progr\.(\d+)$', rest)
    if m:
        out[f'{enc}.progressive_prompts.{m[1]}'] = value
        return
    stream = 0 if enc == 'image_encoder' else 1
    rules = [
        (r'^temporal_pre\.(\d+)\.(weight|bias)$', 'down.0.0'),
        (r'^temporal_pre_norm\.(\d+)\.(weight|bias)$', 'down.0.1'),
        (r'^audio_proj_pre\.(\d+)\.0\.(weight|bias)$', 'down.1.0'),
        (r'^audio_proj_pre\.(\d+)\.1\.(weight|bias)$', 'down.1.1'),
        (r'^temporal_att_post\.(\d+)\.0\.(weight|bias)$', f'up.{stream}.0'),
    ]
    for pattern, target in rules:
        m = re.match(pattern, rest)
        if m:
            out[f'fusions.{m[1]}.{target}.{m[2]}'] = value
            return
    m = re.match(r'^all_gate\.(\d+)$', rest)
    if m:
        fusion[int(m[1])][stream] = value.reshape(())
        return
    if rest.startswith('head.'):
        dropped.append(key)
        return
    frozen[rest] = value


def _temporal_key(rest: str, value, out, qkv, dropped):
    m = re.match(r'^temporal_transformer\.layers\.(\d+)\.(\d)\.fn\.(.*)$',
                 rest)
    if rest == 'cls_token':
        out['temporal.cls_token'] = value
    elif rest == 'pos_embedding':
        out['temporal.pos_embed'] = value
    elif m is None:
        raise KeyError(f'Unknown temporal_net key: {rest}')
    else:
        layer, sub, tail = m[1], m[2], m[3]
        pre = f'temporal.layers.{layer}'
        norm = 'ln1' if sub == '0' else 'ln2'
        table = {
            'norm.weight': f'{pre}.{norm}.weight',
            'norm.bias': f'{pre}.{norm}.bias',
            'fn.to_out.0.weight': f'{pre}.attn.proj.weight',
            'fn.to_out.0.bias': f'{pre}.attn.proj.bias',
            'fn.net.0.weight': f'{pre}.ffn.layers.0.0.weight',
            'fn.net.0.bias': f'{pre}.ffn.layers.0.0.bias',
            'fn.net.3.weight': f'{pre}.ffn.layers.1.weight',
            'fn.net.3.bias': f'{pre}.ffn.layers.1.bias',
        }
        if tail.startswith('norm2.'):
            dropped.append(f'temporal_net.{rest}')
        elif tail in ('fn.to_q.weight', 'fn.to_kv.weight'):
            qkv[layer][tail.split('.')[1]] = value
        elif tail in table:
            out[table[tail]] = value
        else:
            raise KeyError(f'Unknown temporal_net key: {rest}')


def convert_state_dict(official: dict):
    """Official MMA-DFER state dict -> (mmfer MMADFER state dict, dropped).

    Raises:
        KeyError: on keys of no known part, or an incomplete gate/qkv pair.
    """
    out, dropped = {}, []
    fusion = defaultdict(dict)
    qkv = defaultdict(dict)
    frozen = {enc: {} for enc in ENCODERS.values()}
    for key, value in official.items():
        if key.startswith('module.'):  # saved from nn.DataParallel
            key = key[len('module.'):]
        top, _, rest = key.partition('.')
        if top in ENCODERS:
            _encoder_key(key, rest, value, out, fusion, dropped,
                         frozen[ENCODERS[top]])
        elif top == 'vision_proj':
            out[f'joint_proj.{rest}'] = value
        elif top == 'our_classifier':
            out[f'head.fc.{rest}'] = value
        elif top == 'temporal_net':
            _temporal_key(rest, value, out, qkv, dropped)
        else:
            raise KeyError(f'Unknown key in the MMA-DFER checkpoint: {key}')
    for layer, gates in sorted(fusion.items()):
        if set(gates) != {0, 1}:
            raise KeyError(f'Block {layer}: all_gate of only one encoder.')
        out[f'fusions.{layer}.alpha'] = torch.stack([gates[0], gates[1]])
    for layer, parts in qkv.items():
        if set(parts) != {'to_q', 'to_kv'}:
            raise KeyError(f'temporal layer {layer}: to_q/to_kv incomplete.')
        # to_kv(x).chunk(2) is (k, v): [q; k; v] is mmpretrain's qkv layout
        out[f'temporal.layers.{layer}.attn.qkv.weight'] = torch.cat(
            [parts['to_q'], parts['to_kv']], dim=0)
    for enc, weights in frozen.items():
        # pos_embed (with prompt rows) was routed as a frozen key: keep it
        pos = weights.pop('pos_embed', None)
        if pos is not None:
            out[f'{enc}.pos_embed'] = pos
        if weights:
            converted, _ = convert_timm_vit(weights, ignored_prefixes=())
            out.update({f'{enc}.{k}': v for k, v in converted.items()})
    return out, dropped


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='official MMA-DFER checkpoint -> mmfer MMADFER weights')
    parser.add_argument('src', help='official checkpoint ({"state_dict": '
                        '...} as saved by main.py)')
    parser.add_argument('dst', help='output .pth ({"state_dict": ...})')
    parser.add_argument('--trust', action='store_true',
                        help='allow full unpickling of src: main.py also '
                        'pickles a RecorderMeter object, which the safe '
                        'loader refuses. Only for files you trust.')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    official = load_weights(args.src, args.trust)
    state_dict, dropped = convert_state_dict(official)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save({'state_dict': state_dict}, args.dst)
    print(f'{args.src} -> {args.dst}: {len(state_dict)} tensors; dropped '
          f'{len(dropped)} unused keys: {dropped}')


if __name__ == '__main__':
    main()
