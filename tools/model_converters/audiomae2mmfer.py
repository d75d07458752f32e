# Convert an AudioMAE checkpoint (ViT-B/16, "AS-2M pretrained", timm layout
# under ckpt['model']) into an mmfer PromptedViT audio-encoder state dict
# (MMA-DFER audio encoder: 1 channel, 512x128 fbank, 32x8 patches).
#   python tools/model_converters/audiomae2mmfer.py \
#       pretrained.pth checkpoints/audiomae_vit-base-p16_as2m.pth
# The pos_embed is resized from AudioMAE's 1024x128 grid (64x8) to the
# 512x128 grid (32x8) with bicubic interpolation, the cls row kept.
import argparse
import os
import os.path as osp

import torch

from mmfer.models.utils.timm_vit import (convert_timm_vit,
                                         load_timm_state_dict,
                                         resize_grid_pos_embed)


def load_weights(src: str, trust: bool) -> dict:
    """``src``'s weights; a refused pickle names this tool's ``--trust``."""
    return load_timm_state_dict(src, trust, tool=__file__)


def convert(src: str, dst: str, src_grid=(64, 8), dst_grid=(32, 8),
            trust: bool = False) -> dict:
    """Convert and save; returns the converted state dict."""
    state_dict, dropped = convert_timm_vit(load_weights(src, trust))
    in_ch = state_dict['patch_embed.projection.weight'].shape[1]
    if in_ch != 1:
        raise ValueError(f'{src}: patch embedding takes {in_ch} channels; '
                         'an AudioMAE checkpoint takes 1 (fbank).')
    state_dict['pos_embed'] = resize_grid_pos_embed(
        state_dict['pos_embed'], src_grid, dst_grid)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': state_dict}, dst)
    print(f'{src} -> {dst}: {len(state_dict)} tensors, pos_embed grid '
          f'{tuple(src_grid)} -> {tuple(dst_grid)}; dropped {len(dropped)} '
          'keys (decoder etc.)')
    return state_dict


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='AudioMAE (timm layout) -> mmfer PromptedViT weights')
    parser.add_argument('src', help='AudioMAE checkpoint (pretrained.pth)')
    parser.add_argument('dst', help='output .pth ({"state_dict": ...})')
    parser.add_argument('--src-grid', type=int, nargs=2, default=(64, 8),
                        metavar=('H', 'W'), help='patch grid of the '
                        'checkpoint (time, freq); AudioMAE: 64 8')
    parser.add_argument('--dst-grid', type=int, nargs=2, default=(32, 8),
                        metavar=('H', 'W'), help='patch grid of the encoder '
                        '(512x128 fbank / 16 = 32 8)')
    parser.add_argument('--trust', action='store_true',
                        help='allow full unpickling of src (only for files '
                        'you trust)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    convert(args.src, args.dst, args.src_grid, args.dst_grid, args.trust)


if __name__ == '__main__':
    main()
