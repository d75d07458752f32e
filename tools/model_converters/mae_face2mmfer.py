# Convert an MAE-Face checkpoint (timm layout under ckpt['model']) into an
# mmfer PromptedViT face-encoder state dict (MMA-DFER image encoder).
#   python tools/model_converters/mae_face2mmfer.py \
#       mae_face_pretrain_vit_base.pth checkpoints/mae-face_vit-base-p16.pth
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


def save(state_dict: dict, dst: str) -> None:
    """Write ``{'state_dict': state_dict}`` (plain tensors only)."""
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': state_dict}, dst)


def convert(src: str, dst: str, img_size: int = 224, patch_size: int = 16,
            trust: bool = False) -> dict:
    """Convert and save; returns the converted state dict."""
    state_dict, dropped = convert_timm_vit(load_weights(src, trust))
    n = state_dict['pos_embed'].shape[1] - 1
    side = int(round(n**0.5))
    if side * side != n:
        raise ValueError(f'{src}: pos_embed has {n} grid tokens, not a '
                         'square grid; is this an image checkpoint?')
    new = img_size // patch_size
    state_dict['pos_embed'] = resize_grid_pos_embed(
        state_dict['pos_embed'], (side, side), (new, new))
    save(state_dict, dst)
    print(f'{src} -> {dst}: {len(state_dict)} tensors, pos_embed grid '
          f'{side}x{side} -> {new}x{new}; dropped {len(dropped)} keys '
          f'(decoder etc.)')
    return state_dict


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='MAE-Face (timm layout) -> mmfer PromptedViT weights')
    parser.add_argument('src', help='MAE-Face checkpoint, e.g. '
                        'mae_face_pretrain_vit_base.pth')
    parser.add_argument('dst', help='output .pth ({"state_dict": ...})')
    parser.add_argument('--img-size', type=int, default=224,
                        help='target frame size; the pos_embed grid is '
                        'resized (bicubic) to img_size/16 (default 224)')
    parser.add_argument('--patch-size', type=int, default=16)
    parser.add_argument('--trust', action='store_true',
                        help='allow full unpickling of src (only for files '
                        'you trust)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    convert(args.src, args.dst, args.img_size, args.patch_size, args.trust)


if __name__ == '__main__':
    main()
