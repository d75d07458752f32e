"""PNG grids of EMPD's expression-aware masks (ESGM) during pre-training."""
import os.path as osp
import random
from typing import Dict, List, Optional

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmfer.registry import HOOKS
from .mcm_reconstruction_hook import load_batch, save_png

#: grid columns, left to right
COLUMNS = ('input', 'omega', 'mask', 'attention', 'm_exp')


def esgm_of(model):
    """The ESGM inside a pre-training model (``model.backbone.
    mask_generator``); a clear error for any other generator."""
    gen = getattr(getattr(model, 'backbone', None), 'mask_generator', None)
    if gen is None or not hasattr(gen, 'mask_weights'):
        raise TypeError(
            'Mask visualisation needs a model whose backbone.mask_generator '
            f'is an ESGM, got {type(gen).__name__}; set model.backbone.'
            "mask_generator=dict(type='ESGM', ...) in the config.")
    return gen


@torch.no_grad()
def esgm_mask_maps(model,
                   inputs: torch.Tensor,
                   data_samples: Optional[List] = None,
                   generator: Optional[torch.Generator] = None) -> Dict:
    """What ESGM sees and selects for a batch.

    Args:
        model (MCM): a pre-training model with an ESGM mask generator.
        inputs (torch.Tensor): (B, C, H, W) normalised images.
        data_samples (list, optional): their data samples (``gt_parsing``
            gives the M_exp column).
        generator (torch.Generator, optional): Channel-Mixing randomness.

    Returns:
        dict: ``rgb`` (B, 3, H, W) in pixel range; per patch (B, L):
        ``omega`` (Eq. 3), ``mask`` (1 = masked, Eq. 4), ``attention``
        (the attention A of Eq. 3 each patch *receives*, averaged over the
        heads and the queries: the Fig. 4 heat map), ``m_exp`` (mean of
        M_exp, Eq. 5-6; zeros without a map); ``valid`` (B,) bool, which
        samples have a parsing map; ``grid`` (h, w) patches.
    """
    gen = esgm_of(model)
    was_training, keep = model.training, gen.return_attention
    model.eval()
    gen.return_attention = True
    try:
        rec = model.reconstruct(inputs, generator, data_samples)
        omega, att = gen.last_weights, gen.last_attention  # (B, L), (B,L,L)
    finally:
        gen.return_attention = keep
        model.train(was_training)
    B, _, H, W = inputs.shape
    p = gen.patch_size
    rgb_ch = model.channel_slices.get('rgb', slice(0, 1))
    rgb = model.denormalize(inputs[:, rgb_ch], channels=rgb_ch)
    if rgb.shape[1] == 1:
        rgb = rgb.expand(-1, 3, -1, -1)
    m_exp, valid = gen.expression_density(data_samples, omega.shape[1])
    return dict(rgb=rgb,
                omega=omega,
                mask=rec['mask'],
                attention=att.mean(dim=1),
                m_exp=m_exp,
                valid=valid,
                grid=(H // p, W // p))


def _heat(values: np.ndarray, grid, size, base: np.ndarray,
          normalise: bool) -> np.ndarray:
    """(L,) patch values -> (H, W, 3) jet heat map blended on ``base``."""
    v = values.reshape(grid).astype(np.float32)  # (h, w)
    if normalise:
        v = (v - v.min()) / max(float(v.max() - v.min()), 1e-12)
    heat = cv2.resize(v, size[::-1], interpolation=cv2.INTER_NEAREST)
    heat = cv2.applyColorMap((np.clip(heat, 0, 1) * 255).astype(np.uint8),
                             cv2.COLORMAP_JET)[..., ::-1]  # RGB
    return (0.5 * base + 0.5 * heat).astype(np.uint8)


def mask_grid(maps: Dict, pad: int = 2) -> np.ndarray:
    """One row per image: input, omega heat map (0 blue - 1 red), masked
    patches (gray) over the input, received attention (min-max scaled, as
    Fig. 4) and, when the sample has a parsing map, the patch means of
    M_exp (the target of Eq. 6).

    Args:
        maps (dict): from :func:`esgm_mask_maps`.
        pad (int): white border between tiles. Defaults to 2.

    Returns:
        np.ndarray: (rows, cols, 3) RGB uint8.
    """
    rgb = maps['rgb'].clamp(0, 255).round().byte().permute(0, 2, 3, 1)
    rgb = rgb.cpu().numpy()  # (B, H, W, 3)
    grid, (H, W) = maps['grid'], rgb.shape[1:3]
    p = H // grid[0]
    rows = []
    for i in range(rgb.shape[0]):
        img = rgb[i]
        mask = maps['mask'][i].cpu().numpy().reshape(grid)
        mask_px = np.kron(mask, np.ones((p, p)))[..., None]  # (H, W, 1)
        masked = (img * (1 - mask_px) + 127 * mask_px).astype(np.uint8)
        tiles = [
            img,
            _heat(maps['omega'][i].cpu().numpy(), grid, (H, W), img, False),
            masked,
            _heat(maps['attention'][i].cpu().numpy(), grid, (H, W), img, True)
        ]
        if bool(maps['valid'][i]):
            tiles.append(
                _heat(maps['m_exp'][i].cpu().numpy(), grid, (H, W), img,
                      False))
        else:
            tiles.append(np.full_like(img, 255))
        sep = np.full((H, pad, 3), 255, np.uint8)
        rows.append(
            np.concatenate([t for tile in tiles for t in (tile, sep)][:-1],
                           axis=1))
        rows.append(np.full((pad, rows[-1].shape[1], 3), 255, np.uint8))
    return np.concatenate(rows[:-1], axis=0)


@HOOKS.register_module()
class MaskVisualizationHook(Hook):
    """Save PNG grids of ESGM's masks every ``interval`` epochs/iterations.

    Li et al., "Expression-aware masking and progressive decoupling for
    cross-database facial expression recognition" (EMPD): each row shows a
    training image, the mask weights omega (Eq. 3), the masked patches
    (Eq. 4, gray), the attention map A of Eq. 3 mapped onto the image
    (Fig. 4) and the patch means of M_exp (Eq. 5-6; blank without a parsing
    map). The same first ``num_samples`` training samples are drawn every
    time, from a fixed seed, without disturbing the training RNG. Files:
    ``<work_dir>/<out_dir>/epoch_<k>.png`` (or ``iter_<k>.png``).

    Args:
        interval (int): epochs (or iterations) between grids; the last
            epoch always gets one. Defaults to 1.
        by_epoch (bool): count epochs (True) or iterations. Defaults to
            True.
        num_samples (int): rows. Defaults to 4.
        out_dir (str): folder relative to the work dir. Defaults to
            ``'vis_masks'``.
        seed (int): seed of the samples' augmentation (and mixing).
            Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 by_epoch: bool = True,
                 num_samples: int = 4,
                 out_dir: str = 'vis_masks',
                 seed: int = 0):
        if interval < 1 or num_samples < 1:
            raise ValueError('MaskVisualizationHook: interval and '
                             'num_samples must be >= 1, got '
                             f'{interval} and {num_samples}.')
        self.interval = interval
        self.by_epoch = by_epoch
        self.num_samples = num_samples
        self.out_dir = out_dir
        self.seed = seed

    def before_train(self, runner) -> None:
        esgm_of(self._model(runner))  # fail before training, not after

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and (self.every_n_epochs(runner, self.interval)
                              or self.is_last_train_epoch(runner)):
            self._save(runner, f'epoch_{runner.epoch + 1}')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            self._save(runner, f'iter_{runner.iter + 1}')

    def _save(self, runner, name: str) -> str:
        model = self._model(runner)
        dataset = runner.train_dataloader.dataset
        n = min(self.num_samples, len(dataset))
        np_state, py_state = np.random.get_state(), random.getstate()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            np.random.seed(self.seed)
            random.seed(self.seed)
            inputs, samples = load_batch(dataset, range(n),
                                         model.data_preprocessor)
            grid = mask_grid(esgm_mask_maps(model, inputs, samples))
        np.random.set_state(np_state)
        random.setstate(py_state)
        out = osp.join(runner.work_dir, self.out_dir, f'{name}.png')
        save_png(out, grid)
        runner.logger.info(f'ESGM mask grid ({", ".join(COLUMNS)}) saved '
                           f'to {out}')
        return out
