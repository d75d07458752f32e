# Turn a face-recognition training checkpoint of a CM-CNN FEN into the
# FEN's init checkpoint (CM-CNN Sec. IV-B pre-trains the gray / LBP FENs on
# CASIA-WebFace and the depth FEN on 3-D scans; no such checkpoint is
# public, so train a FEN on identity labels with mmfer, e.g. on SynthFace
# subject ids, and convert it):
#   python tools/model_converters/face_recognition2fen.py \
#       work_dirs/<face-id run>/epoch_N.pth checkpoints/fen_gray.pth \
#       --modality gray
# then train CM-CNN with
#   --cfg-options model.backbones.gray.init_cfg.type=Pretrained \
#       model.backbones.gray.init_cfg.checkpoint=checkpoints/fen_gray.pth
import argparse
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO, 'configs', '_base_', 'models',
                          'cm_cnn_gld.py')
MODALITIES = ('gray', 'lbp', 'depth')


def reference_fen(config: str, modality: str) -> torch.nn.Module:
    """The FEN that ``model.backbones[modality]`` of ``config`` builds."""
    from mmengine.config import Config

    from mmfer.registry import MODELS
    from mmfer.utils import register_all_modules
    register_all_modules()
    model_cfg = Config.fromfile(config).model
    backbones = model_cfg.get('backbones')
    if model_cfg.get('share_backbones', False):
        fen_cfg = backbones
    elif isinstance(backbones, dict) and modality in backbones:
        fen_cfg = backbones[modality]
    else:
        raise ValueError(
            f'{config}: model.backbones has no {modality!r} entry (keys: '
            f'{sorted(backbones) if isinstance(backbones, dict) else None}); '
            'pass --config of a CM-CNN config whose model.modalities '
            f'include {modality!r}.')
    fen_cfg = dict(fen_cfg)
    fen_cfg.pop('init_cfg', None)  # the architecture only
    return MODELS.build(fen_cfg)


def load_state_dict(src: str) -> Dict[str, torch.Tensor]:
    """The model weights of ``src``, loaded without running its code.

    Accepts an mmengine checkpoint (``{'state_dict': ...}``), ``{'model':
    ...}`` or a plain state dict. Files that need full unpickling are
    refused by :func:`mmfer.utils.safe_torch_load` (its error says how to
    opt in for a trusted file).
    """
    from mmfer.utils.checkpoint import load_from_local_safely
    ckpt = load_from_local_safely(src, map_location='cpu')
    for key in ('state_dict', 'model'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(key), dict):
            ckpt = ckpt[key]
            break
    if not isinstance(ckpt, dict) or not all(
            isinstance(v, torch.Tensor) for v in ckpt.values()):
        raise ValueError(f'{src} holds no state dict of tensors (neither '
                         "ckpt['state_dict'], ckpt['model'] nor a plain one).")
    return ckpt


def detect_prefix(state_dict: Dict[str, torch.Tensor], modality: str,
                  expected: Dict[str, torch.Tensor]) -> str:
    """The key prefix under which the FEN's weights are stored.

    Tries ``backbone.`` (an mmfer ``FERClassifier``), ``backbones.<modality>.``
    (a ``MultiModalFERClassifier``), ``module.`` variants of both (DDP) and
    no prefix (a plain FEN state dict); picks the first holding a FEN key.
    """
    probe = next(iter(expected))
    candidates = ('backbone.', f'backbones.{modality}.', 'module.backbone.',
                  f'module.backbones.{modality}.', '')
    for prefix in candidates:
        if prefix + probe in state_dict:
            return prefix
    sample = sorted(state_dict)[:5]
    raise KeyError(f'Cannot find the FEN weights (e.g. "{probe}") under any '
                   f'of the prefixes {list(candidates)}; the checkpoint keys '
                   f'start with {sample}. Pass --prefix.')


def extract_fen(state_dict: Dict[str, torch.Tensor],
                expected: Dict[str, torch.Tensor],
                prefix: str) -> Tuple[Dict[str, torch.Tensor], list]:
    """FEN weights (prefix stripped), checked against ``expected``.

    Returns:
        tuple: the FEN state dict and the dropped keys (outside the
        prefix: the identity classifier, neck, ...).

    Raises:
        KeyError: listing missing, mis-shaped and unexpected FEN keys.
    """
    fen = {k[len(prefix):]: v for k, v in state_dict.items()
           if k.startswith(prefix)}
    dropped = sorted(k for k in state_dict if not k.startswith(prefix))
    missing = sorted(set(expected) - set(fen))
    unexpected = sorted(set(fen) - set(expected))
    shapes = sorted(
        f'{k}: checkpoint {tuple(fen[k].shape)} vs FEN '
        f'{tuple(expected[k].shape)}' for k in set(fen) & set(expected)
        if fen[k].shape != expected[k].shape)
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f'missing {len(missing)}: {missing}')
        if shapes:
            parts.append(f'mis-shaped {len(shapes)}: {shapes}')
        if unexpected:
            parts.append(f'unexpected {len(unexpected)}: {unexpected}')
        raise KeyError(
            f'The weights under prefix "{prefix}" do not fit the FEN: '
            + '; '.join(parts) + '. Use --config / --modality of the '
            'architecture the checkpoint was trained with (FEN type, arch, '
            'in_channels), or --prefix.')
    return {k: fen[k] for k in expected}, dropped


def convert(src: str,
            dst: str,
            modality: str,
            prefix: Optional[str] = None,
            config: str = DEFAULT_CONFIG) -> Dict[str, torch.Tensor]:
    """Convert ``src`` and write ``{'state_dict': FEN weights}`` to ``dst``.

    Returns:
        dict: the written FEN state dict (keys of the FEN module itself).
    """
    if modality not in MODALITIES:
        raise ValueError(f'--modality must be one of {MODALITIES}, got '
                         f'{modality!r}')
    expected = reference_fen(config, modality).state_dict()
    state_dict = load_state_dict(src)
    if prefix is None:
        prefix = detect_prefix(state_dict, modality, expected)
    fen, dropped = extract_fen(state_dict, expected, prefix)
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save({'state_dict': fen}, dst)
    print(f'{src} -> {dst}: {len(fen)} FEN tensors for {modality!r} from '
          f'prefix "{prefix}"; dropped {len(dropped)} keys (identity '
          'classifier etc.)')
    return fen


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Face-recognition FEN checkpoint -> CM-CNN FEN init '
        'checkpoint ({"state_dict": FEN weights})')
    parser.add_argument('src', help='checkpoint of a FERClassifier / '
                        'MultiModalFERClassifier trained on identities, or '
                        'a state dict with the FEN under a prefix')
    parser.add_argument('dst', help='output .pth')
    parser.add_argument('--modality', required=True, choices=MODALITIES,
                        help='which FEN of the CM-CNN config it initialises')
    parser.add_argument('--prefix', default=None,
                        help='key prefix of the FEN in src (default: auto, '
                        '"backbone.", "backbones.<modality>." or none)')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='CM-CNN config whose model.backbones.<modality>'
                        ' defines the FEN (default: '
                        'configs/_base_/models/cm_cnn_gld.py)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    convert(args.src, args.dst, args.modality, args.prefix, args.config)


if __name__ == '__main__':
    main()
