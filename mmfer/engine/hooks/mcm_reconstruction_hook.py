"""Fig. 4-style reconstruction grids of MCM during pre-training."""
import os.path as osp
import random
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.utils import mkdir_or_exist

from mmfer.registry import HOOKS


def _to_uint8(img: torch.Tensor) -> np.ndarray:
    """(C, H, W) pixel-range tensor -> (H, W, 3) uint8 (gray replicated)."""
    arr = img.detach().float().clamp(0, 255).round().byte().cpu().numpy()
    arr = arr.transpose(1, 2, 0)
    return np.repeat(arr, 3, axis=2) if arr.shape[2] == 1 else arr


def reconstruction_grid(model, inputs: torch.Tensor,
                        generator: Optional[torch.Generator] = None,
                        pad: int = 2) -> np.ndarray:
    """Rows of [original RGB, masked mixed input, reconstructed RGB, Depth,
    Thermal] (MCM Fig. 4; columns of absent modalities are left out).

    Args:
        model (MCM): the pre-training model.
        inputs (torch.Tensor): (B, C, H, W) normalised fused images.
        generator (torch.Generator, optional): channel-mixing randomness.
        pad (int): white border between tiles.

    Returns:
        np.ndarray: (rows, cols) grid image, RGB uint8.
    """
    rec = model.reconstruct(inputs, generator)
    if rec['selection'] is not None:
        mixed = model.denormalize(rec['mixed'], selection=rec['selection'])
    else:
        mixed = model.denormalize(rec['mixed'])
    masked = mixed * (1 - rec['mask_img']) + 127.0 * rec['mask_img']
    rows = []
    for i in range(inputs.shape[0]):
        tiles = []
        if 'rgb' in model.channel_slices:
            tiles.append(_to_uint8(model.denormalize(
                rec['target_rgb'][i:i + 1],
                channels=model.channel_slices['rgb'])[0]))
        tiles.append(_to_uint8(masked[i]))
        for m in model.neck.modalities:
            tiles.append(_to_uint8(model.denormalize(
                rec[f'recon_{m}'][i:i + 1],
                channels=model.channel_slices[m])[0]))
        H = tiles[0].shape[0]
        sep = np.full((H, pad, 3), 255, np.uint8)
        row = [t for tile in tiles for t in (tile, sep)][:-1]
        rows.append(np.concatenate(row, axis=1))
        rows.append(np.full((pad, rows[-1].shape[1], 3), 255, np.uint8))
    return np.concatenate(rows[:-1], axis=0)


def save_png(path: str, rgb: np.ndarray) -> None:
    """Write an RGB uint8 image; raise if the write fails."""
    mkdir_or_exist(osp.dirname(osp.abspath(path)))
    if not cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f'Could not write {path}')


def load_batch(dataset, indices: Sequence[int], data_preprocessor):
    """Normalised (B, C, H, W) inputs and the data samples of the given
    dataset items (as a test dataloader batch)."""
    data = data_preprocessor(pseudo_collate([dataset[i] for i in indices]),
                             False)
    return data['inputs'], data['data_samples']


def load_samples(dataset, indices: Sequence[int], data_preprocessor):
    """Normalised (B, C, H, W) inputs of the given dataset items."""
    return load_batch(dataset, indices, data_preprocessor)[0]


@HOOKS.register_module()
class MCMReconstructionHook(Hook):
    """Save PNG grids like MCM's Fig. 4 every ``interval`` epochs.

    Each row: original RGB, the masked channel-mixed input (masked patches
    gray), and the reconstructed RGB, Depth and Thermal (Zhang et al.,
    "Multimodal Channel-Mixing", WACV 2024, Fig. 4 / supp. Fig. 2). The
    same training samples are drawn every time; mixing and mask come from
    a fixed seed and do not disturb the training RNG.

    Args:
        interval (int): epochs between grids (and after the last one).
            Defaults to 10.
        num_samples (int): rows. Defaults to 4.
        out_dir (str): folder, relative to the run's log dir.
            Defaults to ``'mcm_reconstructions'``.
        seed (int): seed of the drawn mixing/mask. Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 10,
                 num_samples: int = 4,
                 out_dir: str = 'mcm_reconstructions',
                 seed: int = 0):
        self.interval = interval
        self.num_samples = num_samples
        self.out_dir = out_dir
        self.seed = seed

    def after_train_epoch(self, runner) -> None:
        if not (self.every_n_epochs(runner, self.interval)
                or self.is_last_train_epoch(runner)):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        dataset = runner.train_dataloader.dataset
        n = min(self.num_samples, len(dataset))
        was_training = model.training
        model.eval()
        np_state, py_state = np.random.get_state(), random.getstate()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            np.random.seed(self.seed)
            inputs = load_samples(dataset, range(n), model.data_preprocessor)
            grid = reconstruction_grid(model, inputs)
        np.random.set_state(np_state)
        random.setstate(py_state)
        model.train(was_training)
        out = osp.join(runner.log_dir, self.out_dir,
                       f'epoch_{runner.epoch + 1}.png')
        save_png(out, grid)
        runner.logger.info(f'MCM reconstructions saved to {out}')
