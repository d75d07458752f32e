# MMA-DFER model figures: trainable / frozen parameter counts for several
# Fusion Bottleneck widths d (paper Table 6: 5.9 / 7.5 / 12.3 / 21.7 M
# trainable at d = 64 / 128 / 256 / 512, text: 7.5 M) and the CPU time of
# one training step (forward + backward) per 16-frame clip.
#   python tools/analysis_tools/benchmark_mma_dfer.py
#   python tools/analysis_tools/benchmark_mma_dfer.py --dims 128 \
#       --img-sizes 112 224 --repeats 3 --threads 2
import argparse
import os.path as osp
import time

import torch
from mmengine.config import Config

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from mmfer.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CFG = osp.join(REPO, 'configs', '_base_', 'models',
                       'mma_dfer_vit-base.py')


def build(cfg, latent_dims: int, img_size: int):
    model_cfg = cfg.model.copy()
    model_cfg.fusion = dict(model_cfg.fusion, latent_dims=latent_dims)
    model_cfg.image_encoder = dict(model_cfg.image_encoder,
                                   img_size=img_size, pretrained=None)
    model_cfg.audio_encoder = dict(model_cfg.audio_encoder, pretrained=None)
    return MODELS.build(model_cfg)


def count(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters()
                 if not p.requires_grad)
    return trainable, frozen


def time_step(model, img_size: int, frames: int, repeats: int,
              warmup: int):
    """Seconds of one forward + backward on one clip (train mode)."""
    inputs = dict(video=torch.rand(1, frames, 3, img_size, img_size),
                  audio=torch.randn(1, 1, 512, 128))
    samples = [FERDataSample().set_gt_label(0)]
    model.train()
    times = []
    for i in range(warmup + repeats):
        model.zero_grad(set_to_none=True)
        start = time.perf_counter()
        loss = model(inputs, samples, mode='loss')['loss']
        loss.backward()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return min(times), sum(times) / len(times)


def parse_args():
    parser = argparse.ArgumentParser(
        description='MMA-DFER parameter counts and CPU step time')
    parser.add_argument('--config', default=DEFAULT_CFG,
                        help='model config (default: the ViT-B model)')
    parser.add_argument('--dims', type=int, nargs='+',
                        default=[64, 128, 256, 512],
                        help='Fusion Bottleneck widths to count')
    parser.add_argument('--count-img-sizes', type=int, nargs='+',
                        default=[160, 224],
                        help='frame sizes for the parameter counts (the '
                        'image pos embed grows with the size)')
    parser.add_argument('--img-sizes', type=int, nargs='+',
                        default=[112, 224], help='frame sizes to time')
    parser.add_argument('--frames', type=int, default=16)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch default)')
    parser.add_argument('--no-timing', action='store_true')
    return parser.parse_args()


def main():
    args = parse_args()
    register_all_modules()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    print('Parameters (M)  [paper Table 6, 160 px: d=64 5.9, 128 7.5, '
          '256 12.3, 512 21.7]')
    print(f'{"img":>5} {"d":>5} {"trainable":>10} {"frozen":>10}')
    for img_size in args.count_img_sizes:
        for d in args.dims:
            trainable, frozen = count(build(cfg, d, img_size))
            print(f'{img_size:>5} {d:>5} {trainable / 1e6:>10.3f} '
                  f'{frozen / 1e6:>10.3f}')
    if args.no_timing:
        return
    print(f'\nforward + backward, 1 clip of {args.frames} frames + '
          f'512x128 fbank, d=128, {torch.get_num_threads()} threads '
          f'(min / mean of {args.repeats})')
    for img_size in args.img_sizes:
        model = build(cfg, 128, img_size)
        best, mean = time_step(model, img_size, args.frames, args.repeats,
                               args.warmup)
        print(f'{img_size:>5} px: {best:.2f} s / {mean:.2f} s per clip')
        del model


if __name__ == '__main__':
    main()
