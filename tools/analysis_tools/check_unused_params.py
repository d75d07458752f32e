# Which trainable parameters get no gradient in a training step, i.e.
# whether a config needs DDP's find_unused_parameters=True
# (docs/distributed.md):
#   python tools/analysis_tools/check_unused_params.py CONFIG [CONFIG ...]
# One forward (mode='loss') + backward, in train mode, on a batch of the
# config's train dataloader (SynthFace configs render their data into
# --data-dir on first use). MMA-DFER configs whose data is absent (DFEW,
# MAFW) run on a synthetic clip with the encoders shrunk to width 64 (same
# blocks, prompts, fusion and temporal module: which parameters are used
# does not depend on the width); MCM pre-training configs whose data is
# absent (BP4D+) on synthetic images with a 96-wide encoder (same
# modalities, channel mixing and decoders). Prints, per config, the trainable
# parameters without a gradient (none: DDP needs no
# find_unused_parameters). Frozen parameters (requires_grad=False) are not
# DDP's concern and are not listed.
import argparse
import copy
import os.path as osp
import sys

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_data_pipeline import (REPO, build_loader,  # noqa: E402
                                     redirect_data_roots, set_auto_au_weights)

MMA_DFER_SMALL_ENCODER = dict(
    embed_dims=64, num_layers=12, num_heads=4, feedforward_channels=128)
MCM_SMALL_ENCODER = dict(
    embed_dims=96, num_layers=4, num_heads=3, feedforward_channels=384)


def shrink_mcm(model_cfg: dict) -> dict:
    """The same MCM pre-training model (channel mixing, one decoder per
    modality, the same depths) with a 96-wide encoder and 64-wide
    decoders, no pre-trained files."""
    cfg = copy.deepcopy(model_cfg)
    cfg['backbone'].update(arch=MCM_SMALL_ENCODER)
    cfg['backbone'].pop('init_cfg', None)
    cfg['neck'].update(embed_dim=96, decoder_embed_dim=64,
                       decoder_num_heads=2)
    return cfg


def synthetic_image_batch(model_cfg: dict, batch: int = 2):
    """(inputs, None) for MCM: (B, C, 224, 224) with C the channels of its
    modalities."""
    from mmfer.structures.modalities import MODALITY_CHANNELS
    modalities = model_cfg.get('modalities', ('rgb', 'depth', 'thermal'))
    channels = sum(MODALITY_CHANNELS[m] for m in modalities)
    size = model_cfg['backbone'].get('img_size', 224)
    return torch.randn(batch, channels, size, size), None


def shrink_mma_dfer(model_cfg: dict) -> dict:
    """The same MMA-DFER with 64-wide encoders on 64 px frames and no
    pre-trained files."""
    cfg = copy.deepcopy(model_cfg)
    if cfg.get('image_encoder'):
        cfg['image_encoder'].update(arch=MMA_DFER_SMALL_ENCODER, img_size=64,
                                    patch_size=8, pretrained=None)
    if cfg.get('audio_encoder'):
        cfg['audio_encoder'].update(arch=MMA_DFER_SMALL_ENCODER,
                                    patch_size=32, pretrained=None)
    return cfg


def synthetic_clip_batch(model_cfg: dict, batch: int = 2):
    """(inputs, data_samples) of ``batch`` random clips for MMADFER:
    video (B, T, 3, 64, 64) in [0, 1], audio fbank (B, 1, 512, 128)."""
    from mmfer.structures import FERDataSample
    temporal = model_cfg.get('temporal') or {}
    frames = temporal.get('num_frames', 16)
    inputs = dict(video=torch.rand(batch, frames, 3, 64, 64),
                  audio=torch.randn(batch, 1, 512, 128))
    samples = [FERDataSample().set_gt_label(i % 7) for i in range(batch)]
    return inputs, samples


def unused_parameters(model, inputs, data_samples):
    """Names of trainable parameters whose ``.grad`` stays None after one
    ``mode='loss'`` forward + backward."""
    model.train()
    model.zero_grad(set_to_none=True)
    losses = model(inputs, data_samples, mode='loss')
    loss, _ = model.parse_losses(losses)
    loss.backward()
    return [n for n, p in model.named_parameters()
            if p.requires_grad and p.grad is None]


def check(config: str, data_dir: str):
    """(unused names, number of trainable tensors, input description)."""
    from mmfer.registry import MODELS
    cfg = Config.fromfile(config)
    redirect_data_roots(cfg.train_dataloader, data_dir)
    model_cfg = cfg.model.to_dict()
    for key in ('backbone', 'image_encoder', 'audio_encoder'):
        if isinstance(model_cfg.get(key), dict):
            model_cfg[key].pop('init_cfg', None)
    try:
        loader = build_loader(cfg, 0)
        batch = next(iter(loader))
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        if model_cfg['type'] == 'MMADFER':
            model_cfg = shrink_mma_dfer(model_cfg)
            inputs, samples = synthetic_clip_batch(model_cfg)
            source = 'synthetic clips, encoders shrunk to width 64'
        elif model_cfg['type'] == 'MCM':
            model_cfg = shrink_mcm(model_cfg)
            inputs, samples = synthetic_image_batch(model_cfg)
            source = 'synthetic images, encoder shrunk to width 96'
        else:
            raise RuntimeError(f'{config}: no train batch ({e}); this tool '
                               'needs the dataset (or a SynthFace config)')
        model = MODELS.build(model_cfg)
    else:
        model = MODELS.build(model_cfg)
        set_auto_au_weights(model, loader.dataset)
        data = model.data_preprocessor(batch, True)
        inputs, samples = data['inputs'], data['data_samples']
        source = 'a train batch'
    trainable = sum(p.requires_grad for p in model.parameters())
    return unused_parameters(model, inputs, samples), trainable, source


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('configs', nargs='+')
    p.add_argument('--data-dir', default='/tmp/mmfer_bench_data')
    args = p.parse_args(argv)
    from mmfer.utils import register_all_modules
    register_all_modules()
    torch.manual_seed(0)
    results = {}
    for config in args.configs:
        unused, trainable, source = check(config, args.data_dir)
        results[config] = unused
        verdict = 'none unused: find_unused_parameters=False' if not unused \
            else f'{len(unused)} unused: needs find_unused_parameters=True'
        print(f'{osp.relpath(osp.abspath(config), REPO)} ({source}; '
              f'{trainable} trainable tensors): {verdict}')
        for name in unused[:20]:
            print(f'    {name}')
        if len(unused) > 20:
            print(f'    ... {len(unused) - 20} more')
    return results


if __name__ == '__main__':
    main()
