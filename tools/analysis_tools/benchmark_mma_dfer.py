# MMA-DFER model figures: trainable / frozen parameter counts for several
# Fusion Bottleneck widths d (paper Table 6: 5.9 / 7.5 / 12.3 / 21.7 M
# trainable at d = 64 / 128 / 256 / 512, text: 7.5 M) and the CPU time of
# one training step (forward + backward) per 16-frame clip.
#   python tools/analysis_tools/benchmark_mma_dfer.py
#   python tools/analysis_tools/benchmark_mma_dfer.py --dims 128 \
#       --img-sizes 112 224 --repeats 3 --threads 2
#
# --profile-step: the time of each part of one train step of the ViT-B model
# (frozen encoders forward, fusion, joint projection + temporal transformer
# + head, backward, AdamW step) at --img-size 112, --batch 2, --frames 16,
# and of the DFEW SynthFace train pipeline per clip (frame sampling,
# decoding, augmentation, wav -> fbank) at the same frame size and length.
# With --official-root DIR (a checkout of katerynaCh/MMA-DFER; needs timm),
# the official GenerateModel's train step runs interleaved with mmfer's
# (A B B A ...) on the same inputs and the ratio of the medians is printed;
# random weights (the checkpoints it loads are replaced by random position
# embeddings): speed does not depend on them.
#   python tools/analysis_tools/benchmark_mma_dfer.py --profile-step \
#       --threads 2 --repeats 5 [--official-root ../MMA-DFER]
# --small: quick sizes (64 px frames, batch 1, 1 repeat; no counts of all
# widths); --summary-json FILE writes the figures for benchmark_all.py.
import argparse
import copy
import os.path as osp
import statistics
import sys
import time
import types

import torch
from mmengine.config import Config

from mmfer.models.utils import CPUChunkParallel
from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from mmfer.utils import register_all_modules

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmark_summary import (add_summary_args, summary_row,  # noqa: E402
                               write_summary)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CFG = osp.join(REPO, 'configs', '_base_', 'models',
                       'mma_dfer_vit-base.py')
DATA_CFG = osp.join(REPO, 'configs', '_base_', 'datasets',
                    'synthface_dfew_64px.py')
NAME = 'mma_dfer'


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


# ----------------------------------------------------------------------
# --profile-step: the parts of one train step
# ----------------------------------------------------------------------
class PartTimer:
    """Wall seconds spent inside parts of a model's forward.

    Args:
        groups (dict): part name -> list of modules (timed by forward
            hooks) and ``(object, method name)`` pairs (timed by wrapping
            the method on that instance); parts must not nest.
    """

    def __init__(self, groups: dict):
        self.seconds = {name: 0. for name in groups}
        self._undo = []
        for name, members in groups.items():
            for member in members:
                if isinstance(member, torch.nn.Module):
                    self._hook(member, name)
                else:
                    self._wrap(*member, name)

    def _hook(self, module, name):
        start = {}

        def pre(mod, args):
            start['t'] = time.perf_counter()

        def post(mod, args, output):
            self.seconds[name] += time.perf_counter() - start['t']

        handles = (module.register_forward_pre_hook(pre),
                   module.register_forward_hook(post))
        self._undo.append(lambda: [h.remove() for h in handles])

    def _wrap(self, obj, method, name):
        bound = getattr(obj, method)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            out = bound(*args, **kwargs)
            self.seconds[name] += time.perf_counter() - t0
            return out

        setattr(obj, method, timed)
        self._undo.append(lambda: delattr(obj, method))

    def reset(self):
        self.seconds = dict.fromkeys(self.seconds, 0.)

    def remove(self):
        for undo in self._undo:
            undo()
        self._undo = []


def step_groups(model) -> dict:
    """The forward parts of MMADFER: frozen encoders (embedding, blocks,
    progressive prompts, final norm), fusion (+ temporal adaptors), joint
    projection + temporal transformer + head."""
    encoders = [(enc, method) for enc in model.encoders
                for method in ('embed', 'forward_block',
                               'add_progressive_prompts', 'final_norm')]
    fusion = list(model.fusions or []) + list(model.temporal_adaptors or [])
    head = [model.joint_proj, model.head] + (
        [model.temporal] if model.temporal is not None else [])
    return {'encoders forward': encoders, 'fusion forward': fusion,
            'joint + temporal + head forward': head}


def make_batch(batch: int, frames: int, img_size: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    video = torch.rand(batch, frames, 3, img_size, img_size, generator=g)
    audio = torch.randn(batch, 1, 512, 128, generator=g)
    labels = torch.arange(batch) % 7
    return video, audio, labels


def adamw(params, fused: bool = False):
    """The official optimizer: AdamW(lr 1e-4, weight decay 1e-2); ``fused``
    runs one kernel per parameter instead of ~10 (PyTorch >= 2.4 on CPU)."""
    return torch.optim.AdamW(
        [p for p in params if p.requires_grad], lr=1e-4, weight_decay=1e-2,
        fused=fused or None)


class MMFERStep:
    """One mmfer train step: loss forward, zero_grad + backward, AdamW.

    ``parts=True`` times the forward parts with module hooks; the hooks
    assume one thread, so it needs a model whose batch is not split into
    CPU chunks (``train_cfg.cpu_chunks``)."""

    def __init__(self, model, video, audio, labels, fused_adamw=False,
                 parts=True):
        self.model = model.train()
        self.optimizer = adamw(model.parameters(), fused_adamw)
        self.inputs = dict(video=video, audio=audio)
        self.samples = [FERDataSample().set_gt_label(int(c)) for c in labels]
        self.chunks = model.chunk_parallel.num_chunks_for(
            len(labels), video, audio)
        if parts and self.chunks > 1:
            raise ValueError('forward parts are timed on one thread: build '
                             'the model with train_cfg.cpu_chunks=None')
        self.timer = PartTimer(step_groups(model) if parts else {})

    def __call__(self) -> dict:
        """Run one step; returns seconds per part (forward parts, 'forward
        (other)' or 'forward', 'backward', 'optimizer step', 'step', and
        the process CPU seconds of the step, 'step (CPU)')."""
        self.timer.reset()
        c0 = time.process_time()
        t0 = time.perf_counter()
        loss = self.model(self.inputs, self.samples, mode='loss')['loss']
        t1 = time.perf_counter()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        t2 = time.perf_counter()
        self.optimizer.step()
        t3 = time.perf_counter()
        parts = dict(self.timer.seconds)
        parts['forward (other)' if parts else 'forward'] = \
            (t1 - t0) - sum(parts.values())
        parts.update({'backward': t2 - t1, 'optimizer step': t3 - t2,
                      'step': t3 - t0, 'step (CPU)': time.process_time() - c0})
        return parts


def build_official(root: str, img_size: int, num_classes: int = 7):
    """The official ``models.Generate_Model.GenerateModel`` of a
    katerynaCh/MMA-DFER checkout, random weights, trainable parameters as
    its main.py sets them."""
    import argparse as _argparse
    if not osp.isfile(osp.join(root, 'models', 'Generate_Model.py')):
        raise FileNotFoundError(
            f'--official-root {root} has no models/Generate_Model.py; give '
            'a checkout of https://github.com/katerynaCh/MMA-DFER.')
    try:
        import timm  # noqa: F401
    except ImportError as e:
        raise ImportError('--official-root needs timm (pip install timm); '
                          'it is not an mmfer requirement.') from e
    sys.path.insert(0, root)
    try:
        import torchaudio  # noqa: F401
    except ImportError:  # imported but unused by the official model
        sys.modules['torchaudio'] = types.ModuleType('torchaudio')
    from models.Generate_Model import GenerateModel

    def random_checkpoint(path, *args, **kwargs):
        # MAE-Face: 14x14 grid; AudioMAE: 64x8 grid (+ cls)
        rows = 1 + 64 * 8 if 'audio' in str(path) else 1 + 14 * 14
        return {'model': {'pos_embed': torch.randn(1, rows, 768) * .02}}

    real_load = torch.load
    torch.load = random_checkpoint
    try:
        model = GenerateModel(_argparse.Namespace(
            temporal_layers=1, number_class=num_classes, img_size=img_size))
    finally:
        torch.load = real_load
    # main.py: freeze the encoders, open these names again
    opened = ('our_classifier', 'positional_embedding', 'learnable_prompts',
              'pos_embed', 'audio_proj', 'temporal', 'gate', 'context_att',
              'learnable_q', 'audio_att', 'norm_xt', 'norm_qs')
    for name, param in model.named_parameters():
        param.requires_grad = not ('image_encoder' in name
                                   or 'audio_model' in name) or any(
                                       k in name for k in opened)
    return model


class OfficialStep:
    """One official train step (main.py's train loop body)."""

    def __init__(self, model, video, audio, labels):
        self.model = model.train()
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4,
                                           weight_decay=1e-2)
        self.video, self.audio, self.labels = video, audio, labels
        self.criterion = torch.nn.CrossEntropyLoss()

    def __call__(self) -> dict:
        c0 = time.process_time()
        t0 = time.perf_counter()
        loss = self.criterion(self.model(self.video, self.audio),
                              self.labels)
        t1 = time.perf_counter()
        self.optimizer.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        self.optimizer.step()
        t3 = time.perf_counter()
        return {'forward': t1 - t0, 'backward': t2 - t1,
                'optimizer step': t3 - t2, 'step': t3 - t0,
                'step (CPU)': time.process_time() - c0}


def interleave(steps: dict, repeats: int, warmup: int) -> dict:
    """Run the steps A B, B A, A B, ... (``warmup`` untimed rounds first);
    returns name -> list of per-step part dicts."""
    names = list(steps)
    runs = {name: [] for name in names}
    for i in range(warmup + repeats):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            parts = steps[name]()
            if i >= warmup:
                runs[name].append(parts)
    return runs


def medians(runs: list) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def pipeline_per_clip(img_size: int, frames: int, clips: int,
                      data_dir: str) -> list:
    """Seconds per clip of each transform of the DFEW SynthFace train
    pipeline, with the frame size and clip length of the model step."""
    from mmfer.registry import DATASETS
    cfg = Config.fromfile(DATA_CFG)
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.data_root = osp.join(data_dir, osp.basename(ds_cfg.data_root))
    pipeline = []
    for t in ds_cfg.pipeline:
        t = dict(t)
        if t['type'] == 'mmaction.Resize':
            t['scale'] = (img_size, img_size)
        if t['type'] == 'SampleSegmentFrames':
            t['clip_len'] = frames
        pipeline.append(t)
    ds_cfg.pipeline = pipeline
    dataset = DATASETS.build(ds_cfg)
    transforms = dataset.pipeline.transforms
    seconds = [0.] * len(transforms)
    for i in range(clips):
        results = dataset.get_data_info(i % len(dataset))
        for j, transform in enumerate(transforms):
            t0 = time.perf_counter()
            results = transform(results)
            seconds[j] += time.perf_counter() - t0
    return [(type(t).__name__, s / clips)
            for t, s in zip(transforms, seconds)]


def profile_step(args, rows: list) -> None:
    cfg = Config.fromfile(args.config)
    video, audio, labels = make_batch(args.batch, args.frames,
                                      args.img_size)
    torch.manual_seed(0)
    model = build(cfg, 128, args.img_size)
    chunks = model.chunk_parallel.num_chunks_for(args.batch, video, audio)
    steps = {'mmfer': MMFERStep(model, video, audio, labels,
                                args.fused_adamw, parts=chunks == 1)}
    if chunks > 1:
        # the forward parts are timed on one thread: the same model with
        # the batch in one chunk
        one_chunk = copy.deepcopy(model)
        one_chunk.chunk_parallel = CPUChunkParallel(None)
        steps['mmfer, one chunk'] = MMFERStep(one_chunk, video, audio,
                                              labels, args.fused_adamw)
    if args.official_root:
        torch.manual_seed(0)
        steps['official'] = OfficialStep(
            build_official(args.official_root, args.img_size), video, audio,
            labels)
    shape = (f'{args.img_size} px, batch {args.batch}, {args.frames} '
             f'frames, AdamW, {torch.get_num_threads()} threads')
    print(f'\none train step of the ViT-B model ({shape}); median of '
          f'{args.repeats} (after {args.warmup} warm-up)'
          + (', steps ' + ', '.join(steps) + ' interleaved'
             if len(steps) > 1 else ''))
    runs = interleave(steps, args.repeats, args.warmup)
    ours = medians(runs['mmfer'])
    serial = medians(runs.get('mmfer, one chunk', runs['mmfer']))
    frozen = [p for p in model.parameters() if not p.requires_grad]
    print(f'  ({len(frozen)} frozen parameter tensors, '
          f'{sum(p.grad is not None for p in frozen)} with a .grad after '
          'backward)')
    print('  the batch in one chunk (train_cfg.cpu_chunks=None):' if chunks > 1
          else '  the batch runs as one chunk (one clip, one thread or '
          'cpu_chunks off):')
    for part, sec in serial.items():
        share = 100 * sec / (serial['step (CPU)'] if 'CPU' in part
                             else serial['step'])
        print(f'    {part:<32} {1e3 * sec:>9.0f} ms  {share:5.1f} %')
        rows.append(summary_row(NAME, f'train step, one chunk: {part}',
                                1e3 * sec, 'ms', shape))
    if chunks > 1:
        per_chunk = max(1, torch.get_num_threads() // chunks)
        print("  the config's train_cfg.cpu_chunks="
              f'{model.train_cfg["cpu_chunks"]!r}: {chunks} chunks in '
              f'{chunks} threads of {per_chunk}'
              ' intra-op thread(s):')
        for part, sec in ours.items():
            print(f'    {part:<32} {1e3 * sec:>9.0f} ms')
        print(f'    speed-up from the chunks: '
              f'{serial["step"] / ours["step"]:.3f}x')
    rows.append(summary_row(NAME, 'train step', 1e3 * ours['step'], 'ms',
                            shape + f', {chunks} CPU chunk(s)'))
    if 'official' in runs:
        official = medians(runs['official'])
        print('  official: ' + ', '.join(
            f'{k} {1e3 * v:.0f} ms' for k, v in official.items()))
        for name in steps:
            print(f'  per-step seconds, {name}: ' + ' '.join(
                f'{r["step"]:.2f}' for r in runs[name]))
        ratio = official['step'] / ours['step']
        cpu_ratio = official['step (CPU)'] / ours['step (CPU)']
        print(f'  speed mmfer / official (ratio of the median step times): '
              f'{ratio:.3f}x wall, {cpu_ratio:.3f}x process CPU time'
              + (f'; with the batch in one chunk '
                 f'{official["step"] / serial["step"]:.3f}x wall'
                 if chunks > 1 else ''))
        rows.append(summary_row(NAME, 'train step: official', 1e3 *
                                official['step'], 'ms', shape))
        rows.append(summary_row(NAME, 'speed vs official', ratio, 'x',
                                shape + ' (official step / mmfer step)'))
        rows.append(summary_row(NAME, 'speed vs official (CPU time)',
                                cpu_ratio, 'x', shape))
        if chunks > 1:
            rows.append(summary_row(
                NAME, 'speed vs official, one chunk',
                official['step'] / serial['step'], 'x', shape))
    print(f'\nDFEW SynthFace train pipeline per clip ({args.img_size} px, '
          f'{args.frames} frames, mean of {args.clips} clips, main process)')
    parts = pipeline_per_clip(args.img_size, args.frames, args.clips,
                              args.data_dir)
    total = sum(s for _, s in parts)
    for name, sec in parts:
        print(f'  {name:<34} {1e3 * sec:>9.1f} ms')
    print(f'  {"total":<34} {1e3 * total:>9.1f} ms  '
          f'({1 / total:.1f} clips/s; the step: '
          f'{args.batch / ours["step"]:.2f} clips/s)')
    for name, sec in parts + [('total', total)]:
        rows.append(summary_row(NAME, f'pipeline per clip: {name}',
                                1e3 * sec, 'ms',
                                f'{args.img_size} px, {args.frames} frames'))


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
    parser.add_argument('--profile-step', action='store_true',
                        help='time the parts of one train step and of the '
                        'data pipeline per clip (instead of the counts)')
    parser.add_argument('--img-size', type=int, default=112,
                        help='--profile-step frame size')
    parser.add_argument('--batch', type=int, default=2,
                        help='--profile-step clips per step')
    parser.add_argument('--clips', type=int, default=8,
                        help='--profile-step clips through the pipeline')
    parser.add_argument('--official-root', metavar='DIR',
                        help='a katerynaCh/MMA-DFER checkout: time its '
                        'train step too (--profile-step; needs timm)')
    parser.add_argument('--fused-adamw', action='store_true',
                        help="mmfer's step with AdamW(fused=True) (the "
                        'official step keeps the default)')
    parser.add_argument('--data-dir', default='/tmp/mmfer_bench_data',
                        help='where SynthFace DFEW is rendered (once)')
    add_summary_args(parser)
    args = parser.parse_args()
    if args.small:
        args.profile_step = True
        args.img_size, args.batch, args.clips = 64, 1, 2
        args.repeats, args.warmup = 1, 1
    return args


def main():
    args = parse_args()
    register_all_modules()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    if args.profile_step:
        profile_step(args, rows)
        write_summary(args.summary_json, rows)
        return
    cfg = Config.fromfile(args.config)
    print('Parameters (M)  [paper Table 6, 160 px: d=64 5.9, 128 7.5, '
          '256 12.3, 512 21.7]')
    print(f'{"img":>5} {"d":>5} {"trainable":>10} {"frozen":>10}')
    for img_size in args.count_img_sizes:
        for d in args.dims:
            trainable, frozen = count(build(cfg, d, img_size))
            print(f'{img_size:>5} {d:>5} {trainable / 1e6:>10.3f} '
                  f'{frozen / 1e6:>10.3f}')
            rows.append(summary_row(NAME, f'trainable params d={d}',
                                    trainable / 1e6, 'M', f'{img_size} px'))
    if not args.no_timing:
        print(f'\nforward + backward, 1 clip of {args.frames} frames + '
              f'512x128 fbank, d=128, {torch.get_num_threads()} threads '
              f'(min / mean of {args.repeats})')
        for img_size in args.img_sizes:
            model = build(cfg, 128, img_size)
            best, mean = time_step(model, img_size, args.frames,
                                   args.repeats, args.warmup)
            print(f'{img_size:>5} px: {best:.2f} s / {mean:.2f} s per clip')
            rows.append(summary_row(NAME, f'fwd+bwd per clip {img_size} px',
                                    best, 's', 'min'))
            del model
    write_summary(args.summary_json, rows)


if __name__ == '__main__':
    main()
