"""High-level Python API: build a model from a config and run it."""
from typing import List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.runner import load_checkpoint

from mmfer.registry import MODELS
from mmfer.utils import register_all_modules


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: Optional[str] = None,
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the model of ``config`` and load ``checkpoint`` into it.

    Args:
        config (str | Config): config file or object.
        checkpoint (str, optional): checkpoint (loaded with
            ``weights_only=True``; see :mod:`mmfer.utils.checkpoint`).
        device (str, optional): defaults to CUDA when available, else CPU.
        cfg_options (dict, optional): config overrides.

    Returns:
        nn.Module: the model in eval mode, with ``cfg`` and
        ``dataset_meta`` attributes.
    """
    register_all_modules()
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = MODELS.build(cfg.model)
    model.cfg = cfg
    model.dataset_meta = {}
    if checkpoint is not None:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        model.dataset_meta = ckpt.get('meta', {}).get('dataset_meta', {})
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    return model.to(device).eval()


@torch.no_grad()
def inference_model(model: torch.nn.Module,
                    samples: Sequence[dict],
                    pipeline: Optional[List[dict]] = None) -> list:
    """Predict on raw samples, e.g. ``[dict(img_path='face.png')]``.

    Args:
        model (nn.Module): from :func:`init_model`.
        samples (Sequence[dict]): inputs as a dataset would give them to
            its pipeline (``img_path``, ``depth_path``, ...).
        pipeline (list[dict], optional): defaults to the config's
            ``test_dataloader.dataset.pipeline``.

    Returns:
        list[FERDataSample]: predictions.
    """
    if pipeline is None:
        pipeline = model.cfg.test_dataloader.dataset.pipeline
    transform = Compose(pipeline)
    data = pseudo_collate([transform(dict(s)) for s in samples])
    return model.test_step(data)
