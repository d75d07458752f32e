# Convert the official MAE ImageNet checkpoint (facebookresearch/mae,
# e.g. mae_pretrain_vit_base.pth: {'model': timm-layout ViT}) into mmfer's
# ViT encoder layout (mmpretrain.VisionTransformer / MaskedViT keys, prefixed
# with 'backbone.'), for MCM pre-training (Sec. 4.3: "The imagenet
# pre-training weights from [12] are used to our encoder") or for the
# ImageNet-initialised fine-tuning rows of Table 4:
#   python tools/model_converters/mae2mmfer.py mae_pretrain_vit_base.pth \
#       checkpoints/mae_pretrain_vit_base_mmfer.pth
# then init_cfg=dict(type='Pretrained', checkpoint=<out>, prefix='backbone.').
import argparse
import os
import os.path as osp

import torch

from mmfer.models.utils import (convert_timm_vit, load_timm_state_dict,
                                resize_grid_pos_embed)


def load_weights(src: str, trust: bool) -> dict:
    """``src``'s weights; a refused pickle names this tool's ``--trust``."""
    return load_timm_state_dict(src, trust, tool=__file__)


def convert_mae(state_dict: dict, prefix: str = 'backbone.',
                img_size: int = None, patch_size: int = 16):
    """Official MAE keys -> ``prefix`` + mmpretrain ViT keys.

    Args:
        state_dict (dict): ``cls_token``, ``pos_embed``,
            ``patch_embed.proj.*``, ``blocks.N.{norm1, attn.qkv, attn.proj,
            norm2, mlp.fc1, mlp.fc2}.*``, ``norm.*`` (decoder / head keys
            are dropped).
        prefix (str): prepended to every key. Defaults to 'backbone.'.
        img_size (int, optional): resize the position embedding's grid to
            img_size / patch_size (bicubic); None keeps it.
        patch_size (int): Defaults to 16.

    Returns:
        tuple: converted state dict and the dropped keys.
    """
    converted, dropped = convert_timm_vit(state_dict)
    if img_size is not None:
        n = converted['pos_embed'].shape[1] - 1
        side = int(round(n**0.5))
        new = img_size // patch_size
        if side != new:
            converted['pos_embed'] = resize_grid_pos_embed(
                converted['pos_embed'], (side, side), (new, new))
    return {prefix + k: v for k, v in converted.items()}, dropped


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Official MAE (timm layout) -> mmfer ViT encoder')
    parser.add_argument('src', help='e.g. mae_pretrain_vit_base.pth')
    parser.add_argument('dst', help='output .pth ({"state_dict": ...})')
    parser.add_argument('--prefix', default='backbone.',
                        help='key prefix (default: backbone.)')
    parser.add_argument('--img-size', type=int, default=None,
                        help='resize pos_embed to this input size')
    parser.add_argument('--patch-size', type=int, default=16)
    parser.add_argument('--trust', action='store_true',
                        help='allow full unpickling of src (only for files '
                        'you trust)')
    args = parser.parse_args(argv)
    state_dict, dropped = convert_mae(
        load_weights(args.src, args.trust), args.prefix,
        args.img_size, args.patch_size)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    torch.save({'state_dict': state_dict}, args.dst)
    print(f'{args.src} -> {args.dst}: {len(state_dict)} tensors '
          f'(prefix "{args.prefix}"), dropped {len(dropped)} keys '
          '(decoder / head)')


if __name__ == '__main__':
    main()
