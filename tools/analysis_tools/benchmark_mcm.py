# CPU cost of MCM: one training iteration (forward + backward + AdamW step)
# of ViT-B/16 at batch 8 for AU fine-tuning (224 x 224 RGB) and for MCM
# pre-training (224 x 224 RGB + D + T, channel mixing, 50% mask, three
# decoders), and the per-sample Channel-Mixing transform:
#   OMP_NUM_THREADS=2 python tools/analysis_tools/benchmark_mcm.py
# (--arch tiny for a quick check; --threads sets torch's thread count;
# --small: the tiny arch, 2 timed iterations, for benchmark_all.py;
# --summary-json FILE writes the figures as rows for benchmark_all.py)
import argparse
import os.path as osp
import sys
import time

import numpy as np
import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_summary import (add_summary_args, summary_row,  # noqa: E402
                               write_summary)

TINY = dict(embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)


def _time(fn, warmup: int, iters: int) -> float:
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - t0) / iters


def _build(config, tiny):
    from mmfer.registry import MODELS
    cfg = Config.fromfile(config).model
    cfg.backbone.pop('init_cfg', None)
    if tiny:
        cfg.backbone.arch = TINY
        if cfg.get('neck') is not None:
            cfg.neck.update(embed_dim=96, decoder_embed_dim=64,
                            decoder_num_heads=2)
        else:
            cfg.head.in_channels = 96
    return MODELS.build(cfg)


def train_iter_time(model, inputs, data_samples, warmup, iters):
    """Seconds per forward + backward + AdamW step."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    model.train()

    def step():
        losses = model(inputs, data_samples, mode='loss')
        loss, _ = model.parse_losses(losses)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return _time(step, warmup, iters)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--arch', choices=['base', 'tiny'], default='base')
    add_summary_args(parser)
    args = parser.parse_args(argv)
    if args.small:
        args.arch, args.iters, args.warmup = 'tiny', 2, 1
    if args.threads:
        torch.set_num_threads(args.threads)
    from mmfer.datasets.transforms import ChannelMixing
    from mmfer.structures import FERDataSample
    from mmfer.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    tiny = args.arch == 'tiny'
    B = args.batch_size
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'ViT-{args.arch}, batch {B}, 224 x 224')

    ft = _build('configs/mcm/mcm_vit-base-p16_mcm-rgbdt-pre_5e_bp4d-rgb.py',
                tiny)
    ft.head.loss_module.set_pos_weight([1.0] * 12)
    samples = [FERDataSample().set_au_label(np.random.randint(0, 2, 12))
               for _ in range(B)]
    t_ft = train_iter_time(ft, torch.randn(B, 3, 224, 224), samples,
                           args.warmup, args.iters)
    print(f'fine-tune (AU head) train iteration: {t_ft:.2f} s '
          f'({t_ft / B * 1000:.0f} ms / image)')
    del ft

    pt = _build('configs/mcm/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py',
                tiny)
    t_pt = train_iter_time(pt, torch.randn(B, 5, 224, 224), None,
                           args.warmup, args.iters)
    print(f'MCM pre-train (RGBDT, 3 decoders) train iteration: {t_pt:.2f} s '
          f'({t_pt / B * 1000:.0f} ms / image)')
    del pt

    img = np.random.randint(0, 256, (224, 224, 5), np.uint8)
    cm = ChannelMixing(patch_size=16, in_channels=5)
    cm_iters = 50 if args.small else 200
    t_cm = _time(lambda: cm(dict(img=img.copy())), 10, cm_iters)
    cm_seed = ChannelMixing(patch_size=16, in_channels=5, seed=0)
    t_cms = _time(lambda: cm_seed(dict(img=img.copy(), sample_idx=3)), 10,
                  cm_iters)
    print(f'ChannelMixing transform (224 x 224 x 5, P=16): '
          f'{t_cm * 1e3:.3f} ms / sample (seeded: {t_cms * 1e3:.3f} ms)')
    note = (f'ViT-{args.arch}, batch {B}, 224 px, '
            f'{torch.get_num_threads()} threads')
    write_summary(args.summary_json, [
        summary_row('mcm', 'AU fine-tune train step', B / t_ft,
                    'samples/s', note),
        summary_row('mcm', 'RGBDT pre-train train step (3 decoders)',
                    B / t_pt, 'samples/s', note),
        summary_row('mcm', 'ChannelMixing transform', t_cm * 1e3,
                    'ms/sample', '224 x 224 x 5, P=16'),
    ])
    return dict(finetune=t_ft, pretrain=t_pt, channel_mixing=t_cm)


if __name__ == '__main__':
    main()
