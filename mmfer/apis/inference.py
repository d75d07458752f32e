"""High-level Python API: build a model from a config and run it."""
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmfer.registry import MODELS
from mmfer.utils import register_all_modules


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: Optional[str] = None,
               cfg_options: Optional[dict] = None,
               allow_partial: bool = False):
    """Build the model of ``config`` and load ``checkpoint`` into it.

    Args:
        config (str | Config): config file or object.
        checkpoint (str, optional): a ``.pth`` checkpoint (loaded with
            ``weights_only=True`` by
            :func:`mmfer.utils.model_checkpoint.load_model_checkpoint`,
            which refuses another model's checkpoint) or an ``.onnx`` file
            from ``tools/deployment/export_onnx.py`` (run by
            :class:`~mmfer.apis.onnx_runtime_model.ONNXRuntimeModel`).
        device (str, optional): defaults to CUDA when available, else CPU.
        cfg_options (dict, optional): config overrides.
        allow_partial (bool): load a checkpoint that matches fewer than
            half the model's tensors (only the matching ones). Default:
            False.

    Returns:
        nn.Module | ONNXRuntimeModel: the model in eval mode, with ``cfg``
        and ``dataset_meta`` attributes and ``test_step(data)``.
    """
    register_all_modules()
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if checkpoint is not None and str(checkpoint).endswith('.onnx'):
        from .onnx_runtime_model import ONNXRuntimeModel
        return ONNXRuntimeModel(checkpoint, cfg, device=device)
    model = MODELS.build(cfg.model)
    model.cfg = cfg
    model.dataset_meta = {}
    if checkpoint is not None:
        if '://' not in str(checkpoint) and not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'Checkpoint {checkpoint} does not exist; give the .pth a '
                'training run wrote (work_dirs/<config>/epoch_N.pth) or an '
                '.onnx export.')
        from mmfer.utils.model_checkpoint import load_model_checkpoint
        ckpt = load_model_checkpoint(model, checkpoint, map_location='cpu',
                                     allow_partial=allow_partial)
        model.dataset_meta = dict(ckpt.get('meta', {}).get('dataset_meta',
                                                           {}) or {})
    return model.to(device).eval()


def _as_sample(sample: Union[str, dict]) -> dict:
    if isinstance(sample, str):
        return dict(img_path=sample)
    if isinstance(sample, dict):
        return dict(sample)
    raise TypeError('inference_model takes image paths or dicts of paths '
                    '(img_path, depth_path, ...), got '
                    f'{type(sample).__name__}')


@torch.no_grad()
def inference_model(model,
                    samples: Union[str, dict, Sequence[Union[str, dict]]],
                    pipeline: Optional[List[dict]] = None,
                    detector='auto') -> list:
    """Predict on image files, e.g. ``'face.png'`` or
    ``[dict(img_path='a.png', depth_path='a_depth.png')]``.

    **Precondition**: the model sees a face framed as in its training data.
    By default (``detector='auto'``) each image goes through the face
    preprocessing of :class:`~mmfer.apis.face_preprocessing.
    FacePreprocessor`: the largest face is detected and cropped the way
    the config says (its test pipeline's ``DetectFace`` / ``AlignFace``,
    or the dataset's ``inference_face`` crop), so photographs and
    uncropped frames are fine. An image without a detectable face raises
    :class:`~mmfer.datasets.face.FaceNotFoundError` naming it. Pass
    ``detector=None`` only for images that already are such crops (e.g. a
    dataset's own face crops); they then go through the test pipeline
    unchanged. For every face of an image, videos or batches use
    :class:`~mmfer.apis.FERInferencer`.

    Args:
        model (nn.Module): from :func:`init_model`.
        samples (str | dict | Sequence): an image path, a dict of paths as
            a dataset gives them to its pipeline (``img_path``,
            ``depth_path``, ...), or a list of either.
        pipeline (list[dict], optional): defaults to the config's
            ``test_dataloader.dataset.pipeline``.
        detector: ``'auto'``, ``'mtcnn'``, ``'haar'``, a
            ``FACE_DETECTORS`` config or None (see above).

    Returns:
        list[FERDataSample]: one prediction per sample (``pred_score``
        (C,) and / or ``pred_au_score`` (K,)).
    """
    from .face_preprocessing import (FaceNotFoundError, FacePreprocessor,
                                     not_found_message)
    if isinstance(samples, (str, dict)):
        samples = [samples]
    samples = [_as_sample(s) for s in samples]
    if detector is None and pipeline is not None:
        transform = Compose(pipeline)
        return model.test_step(pseudo_collate(
            [transform(dict(s)) for s in samples]))
    prep = FacePreprocessor(model.cfg, detector=detector, pipeline=pipeline)
    if prep.kind != 'image':
        raise ValueError('inference_model runs image models; use '
                         'FERInferencer for clip (video) models.')
    packed = []
    for sample in samples:
        loaded = prep.load(sample)
        face = None
        if prep.detector is not None:
            face = prep.detector.detect(
                prep.detection_image(loaded)).largest()
            if not len(face):
                source = sample.get('img_path') or next(iter(sample.values()))
                raise FaceNotFoundError(not_found_message(source,
                                                          prep.detector))
        packed.append(prep.face_sample(loaded, face))
    return model.test_step(pseudo_collate(packed))
