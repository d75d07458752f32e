"""Export an mmfer model to ONNX (torch.onnx dynamo exporter, dynamic batch).

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out model.onnx \
        [--opset 18] [--input-shape 3,64,64 | video=8,3,64,64 audio=1,512,128] \
        [--check]

The graph is the model's tensor path after the data preprocessor
(:class:`mmfer.apis.onnx_runtime_model.ProbabilityModel`): inputs as
``data_preprocessor`` returns them (normalised float, (B, ...)) ->
``model(inputs, mode='tensor')`` -> the head's activation, so the output
``probs`` (B, K) holds softmax probabilities of an expression head or the
sigmoid AU probabilities of an AU head. The batch axis is dynamic; the
per-sample shape is fixed at export. A tensor-input model has one input
``inputs``; a dict-input model one input per name (MMA-DFER: ``video``
(B, T, 3, H, W) and ``audio`` (B, 1, F, M)). Run the file with
:class:`mmfer.apis.onnx_runtime_model.ONNXRuntimeModel` (or ``init_model`` /
``FERInferencer`` given the ``.onnx`` path). ``--check`` runs ONNX Runtime
and torch on random inputs at batch 1 and 3 and prints the largest absolute
difference of the probabilities (fails above 1e-4). See docs/deployment.md.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction

from mmfer.apis.inference import init_model
from mmfer.apis.onnx_runtime_model import (METADATA_KEY, ProbabilityModel,
                                           prediction_spec)

PARITY_TOLERANCE = 1e-4
Shapes = Dict[str, Tuple[int, ...]]


def parse_input_shapes(specs: Sequence[str]) -> Shapes:
    """``['3,64,64']`` -> ``{'inputs': (3, 64, 64)}``; ``['video=8,3,64,64',
    'audio=1,512,128']`` -> one entry per name (per-sample shapes, no
    batch axis)."""
    shapes = {}
    for spec in specs:
        name, _, dims = spec.rpartition('=')
        name = name or 'inputs'
        try:
            shape = tuple(int(d) for d in dims.split(','))
        except ValueError:
            raise ValueError(
                f'--input-shape {spec!r}: give comma-separated sizes of one '
                'sample without the batch axis, e.g. 3,64,64 or '
                'video=8,3,64,64 audio=1,512,128') from None
        if name in shapes or min(shape) <= 0:
            raise ValueError(f'--input-shape {spec!r}: repeated name or a '
                             'size <= 0')
        shapes[name] = shape
    if 'inputs' in shapes and len(shapes) > 1:
        raise ValueError('--input-shape: name every input of a dict-input '
                         f'model (name=sizes), got {specs}')
    return shapes


def _hw(size) -> Tuple[int, int]:
    return (size, size) if isinstance(size, int) else tuple(size)


def default_input_shapes(cfg: Config) -> Shapes:
    """Per-sample input shapes the config declares.

    MMA-DFER (``image_encoder`` / ``audio_encoder``): ``video`` (T, C, H, W)
    with T = ``model.temporal.num_frames`` (or the config's ``clip_len``)
    and ``audio`` (C, F, M) from the encoders' ``img_size``. Other models:
    (C, H, W) with C from ``model.modalities`` (multi-modal) or the data
    preprocessor's mean (else the backbone's ``in_channels``, else 3) and
    H, W from the test pipeline (:func:`pipeline_output_size`), else
    ``model.backbone.img_size``, else the test dataset's
    ``auto_generate.size`` (SynthFace configs render at that size).

    Raises:
        ValueError: the config declares no size; pass ``--input-shape``.
    """
    model = cfg.model
    hint = ('; pass --input-shape (sizes of one sample after the test '
            'pipeline, e.g. 3,64,64)')
    if model.get('image_encoder') or model.get('audio_encoder'):
        shapes = {}
        enc = model.get('image_encoder')
        if enc:
            temporal = model.get('temporal') or {}
            frames = temporal.get('num_frames') or cfg.get('clip_len')
            if frames is None:
                raise ValueError('The config gives no clip length '
                                 '(model.temporal.num_frames or clip_len)' +
                                 hint.replace('3,64,64', 'video=8,3,64,64'))
            shapes[model.get('video_key', 'video')] = (
                frames, enc.get('in_channels', 3),
                *_hw(enc.get('img_size', 224)))
        enc = model.get('audio_encoder')
        if enc:
            shapes[model.get('audio_key', 'audio')] = (
                enc.get('in_channels', 1), *_hw(enc.get('img_size', 224)))
        return shapes
    if model.get('modalities'):
        from mmfer.structures.modalities import modality_channels
        channels = modality_channels(model.modalities)
    else:
        mean = (model.get('data_preprocessor') or {}).get('mean')
        backbone = model.get('backbone') or {}
        channels = len(mean) if isinstance(mean, (list, tuple)) else \
            backbone.get('in_channels', 3)
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    size = pipeline_output_size(dataset.get('pipeline') or [])
    if size is None:
        size = (model.get('backbone') or {}).get('img_size')
    if size is None:
        size = (dataset.get('auto_generate') or {}).get('size')
    if size is None:
        raise ValueError('The config declares no input size (a resize / '
                         'crop / AlignFace size in the test pipeline, '
                         'model.backbone.img_size, test_dataloader.dataset.'
                         'auto_generate.size)' + hint)
    return {'inputs': (channels, *_hw(size))}


def pipeline_output_size(pipeline: Sequence[dict]) -> Optional[tuple]:
    """(H, W) set by the last sizing transform of a test pipeline
    (``AlignFace.size``, ``CenterCrop.crop_size``, ``Resize.scale`` (W, H)
    with fixed sizes), or None."""
    for t in reversed(pipeline):
        kind = str(t.get('type', '')).rpartition('.')[2]
        if kind == 'AlignFace' and t.get('size'):
            return _hw(t['size'])
        if kind == 'CenterCrop' and t.get('crop_size'):
            return _hw(t['crop_size'])
        if kind == 'Resize' and t.get('scale') and not t.get('keep_ratio'):
            w, h = _hw(t['scale'])  # mmpretrain/mmcv order: (W, H)
            if w > 0 and h > 0:
                return (h, w)
    return None


def load_model(config: str, checkpoint: Optional[str],
               cfg_options: Optional[dict] = None):
    """Built model (eval, CPU) with ``cfg`` and ``dataset_meta``
    (:func:`mmfer.apis.init_model`: weights_only loading that refuses
    another model's checkpoint); random init without a checkpoint."""
    model = init_model(config, checkpoint, device='cpu',
                       cfg_options=cfg_options)
    if checkpoint is None:
        model.init_weights()
    return model.eval()


def export_onnx(model: torch.nn.Module,
                out_file: str,
                input_shapes: Shapes,
                opset: int = 18,
                example_batch: int = 2,
                verbose: bool = False) -> dict:
    """Export ``ProbabilityModel(model)`` with a dynamic batch axis.

    Args:
        model (nn.Module): the mmfer model in eval mode.
        out_file (str): the ``.onnx`` path.
        input_shapes (dict): input name -> per-sample shape
            (:func:`parse_input_shapes`, :func:`default_input_shapes`).
        opset (int): ONNX opset. Defaults to 18.
        example_batch (int): batch size of the traced example (not 0 or 1,
            which torch.export specialises). Defaults to 2.

    Returns:
        dict: the spec written into the file's metadata.
    """
    import onnx
    spec = prediction_spec(model)
    names = tuple(input_shapes)
    wrapper = ProbabilityModel(model, names, spec['activation']).eval()
    args = tuple(torch.randn(example_batch, *input_shapes[n]) for n in names)
    batch = torch.export.Dim('batch', min=1, max=4096)
    with torch.no_grad():
        program = torch.onnx.export(
            wrapper,
            args,
            dynamo=True,
            input_names=list(names),
            output_names=['probs'],
            # one entry, for forward's *inputs: a spec per input
            dynamic_shapes=(tuple({0: batch} for _ in names), ),
            opset_version=opset,
            verbose=verbose)
    program.save(out_file)
    spec = dict(spec, input_names=list(names),
                input_shapes={n: list(s) for n, s in input_shapes.items()},
                dataset_meta=_jsonable(getattr(model, 'dataset_meta', {})))
    proto = onnx.load(out_file)
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(spec)
    onnx.save(proto, out_file)
    return spec


def _jsonable(obj):
    """dataset_meta without what JSON cannot hold (arrays -> lists)."""
    return json.loads(json.dumps(obj, default=lambda o: getattr(
        o, 'tolist', lambda: str(o))()))


def check_parity(model: torch.nn.Module, onnx_file: str, input_shapes: Shapes,
                 batch_sizes: Sequence[int] = (1, 3), seed: int = 0
                 ) -> Dict[int, float]:
    """Largest |ONNX Runtime - torch| of the probabilities per batch size
    on random (standard normal) inputs."""
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    wrapper = ProbabilityModel(model, tuple(input_shapes)).eval()
    gen = torch.Generator().manual_seed(seed)
    diffs = {}
    for b in batch_sizes:
        args = [torch.randn(b, *s, generator=gen)
                for s in input_shapes.values()]
        with torch.no_grad():
            ref = wrapper(*args).numpy()
        out = session.run(None, {n: a.numpy()
                                 for n, a in zip(input_shapes, args)})[0]
        if out.shape != ref.shape:
            raise RuntimeError(f'{onnx_file}: output shape {out.shape} at '
                               f'batch {b}, torch gives {ref.shape}')
        diffs[b] = float(abs(out - ref).max())
    return diffs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export an mmfer model to ONNX (dynamic batch; the '
        'output is the head\'s probabilities)')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        'checkpoint', nargs='?', default=None,
        help='checkpoint (.pth); omitted: random initialisation (for '
        'tests and benchmarks only)')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument('--opset', type=int, default=18, help='ONNX opset')
    parser.add_argument(
        '--input-shape', nargs='+', default=None,
        help='per-sample input shape(s) after the test pipeline, without '
        'the batch axis: 3,64,64, or name=sizes per input of a dict-input '
        'model (video=8,3,64,64 audio=1,512,128). Default: from the config '
        '(backbone img_size, SynthFace size, MMA-DFER encoders)')
    parser.add_argument(
        '--check', action='store_true',
        help='compare ONNX Runtime with torch at batch 1 and 3 (fails '
        f'above {PARITY_TOLERANCE})')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if not args.out.endswith('.onnx'):
        raise ValueError(f'--out {args.out}: the file name must end with '
                         '.onnx (init_model and FERInferencer pick the ONNX '
                         'runtime by this suffix)')
    model = load_model(args.config, args.checkpoint, args.cfg_options)
    shapes = parse_input_shapes(args.input_shape) if args.input_shape \
        else default_input_shapes(model.cfg)
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        raise FileNotFoundError(f'--out {args.out}: folder {out_dir} does '
                                'not exist')
    spec = export_onnx(model, args.out, shapes, opset=args.opset)
    shape_text = ', '.join(f'{n} (B, {", ".join(map(str, s))})'
                           for n, s in shapes.items())
    print(f'Exported {args.out}: {shape_text} -> probs (B, K), '
          f"{spec['task']} ({spec['activation']})")
    if args.check:
        diffs = check_parity(model, args.out, shapes)
        spec['parity'] = diffs
        text = ', '.join(f'batch {b}: {d:.2e}' for b, d in diffs.items())
        print(f'max |onnxruntime - torch| of the probabilities: {text}')
        if max(diffs.values()) > PARITY_TOLERANCE:
            print(f'Parity check FAILED (tolerance {PARITY_TOLERANCE})',
                  file=sys.stderr)
            sys.exit(1)
    return spec


if __name__ == '__main__':
    main()
