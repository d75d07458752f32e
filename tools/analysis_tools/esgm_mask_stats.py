# How much of EMPD's ESGM mask falls on the expression-related face parts
# (M_exp, Eq. 5), against random masking (SpatialMask) of as many patches:
#   python tools/analysis_tools/esgm_mask_stats.py \
#       configs/empd/empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py \
#       work_dirs/empd_vit-tiny-p8_esgm_synthface-64px_pretrain/epoch_40.pth \
#       --num 64
# Without CHECKPOINT the model is randomly initialised (the untrained
# baseline). Samples: the first --num of the config's train dataset (its
# pipeline must load parsing maps, e.g. LoadParsingMap), augmentation seeded.
# Printed per masking: "in M_exp" = fraction of the masked patches whose
# M_exp mean is > --threshold; "mean M_exp" = the mean of M_exp over the
# masked patches; "all patches" is what a patch drawn at random scores.
import argparse
import random

import numpy as np
import torch
from mmengine.config import Config, DictAction


def _in_exp(mask: torch.Tensor, m_exp: torch.Tensor, thr: float) -> dict:
    """``in_exp`` and ``mean_exp`` of the patches where mask == 1."""
    n = mask.sum()
    return dict(in_exp=float(((m_exp > thr).float() * mask).sum() / n),
                mean_exp=float((m_exp * mask).sum() / n))


@torch.no_grad()
def mask_statistics(model,
                    dataset,
                    num: int = 64,
                    batch_size: int = 16,
                    num_random: int = 10,
                    threshold: float = 0.5,
                    seed: int = 0) -> dict:
    """ESGM vs random masking on the first ``num`` samples of a dataset.

    Random masking draws ``num_random`` masks per image with
    :class:`~mmfer.models.mask_generators.SpatialMask`'s uniform scores
    and masks as many patches as ESGM (Eq. 4's ``floor(mr * N_p)``), so
    both select the same number of patches.

    Returns:
        dict: ``esgm``, ``random``, ``all_patches`` (each ``in_exp``,
        ``mean_exp``), ``num_images``, ``num_patches``, ``num_masked``,
        ``mask_ratio``.
    """
    from mmfer.engine.hooks.mask_visualization_hook import (esgm_mask_maps,
                                                            esgm_of,
                                                            load_batch)
    from mmfer.models.mask_generators import SpatialMask
    from mmfer.models.utils import mask_by_scores
    gen = esgm_of(model)
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    masks, rand_masks, exps = [], [], []
    n = min(num, len(dataset))
    for start in range(0, n, batch_size):
        inputs, samples = load_batch(dataset,
                                     range(start, min(start + batch_size, n)),
                                     model.data_preprocessor)
        maps = esgm_mask_maps(model, inputs, samples)
        if not maps['valid'].all():
            raise ValueError(
                'esgm_mask_stats: some samples have no parsing map '
                '(gt_parsing); use a dataset with parsing and LoadParsingMap '
                'in its pipeline (e.g. SynthFaceDataset, CelebAMaskHQDataset).'
            )
        B, L = maps['mask'].shape
        keep = L - gen.num_masked(L)
        for _ in range(num_random):
            scores = SpatialMask(gen.mask_ratio).scores(torch.zeros(B, L, 1))
            rand_masks.append((mask_by_scores(torch.zeros(B, L, 1), scores,
                                              keep)[1], maps['m_exp']))
        masks.append(maps['mask'])
        exps.append(maps['m_exp'])
    mask, m_exp = torch.cat(masks), torch.cat(exps)  # (N, L)
    rmask = torch.cat([m for m, _ in rand_masks])
    rexp = torch.cat([e for _, e in rand_masks])
    L = mask.shape[1]
    return dict(esgm=_in_exp(mask, m_exp, threshold),
                random=_in_exp(rmask, rexp, threshold),
                all_patches=_in_exp(torch.ones_like(m_exp), m_exp, threshold),
                num_images=mask.shape[0],
                num_patches=L,
                num_masked=gen.num_masked(L),
                mask_ratio=gen.mask_ratio)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Fraction of ESGM / random masks on M_exp (EMPD Eq. 5)')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', default=None)
    parser.add_argument('--num',
                        type=int,
                        default=64,
                        help='first N samples of the train dataset')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--num-random',
                        type=int,
                        default=10,
                        help='random masks drawn per image')
    parser.add_argument('--threshold',
                        type=float,
                        default=0.5,
                        help='a patch is in M_exp if its mean is above')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    from mmengine.runner import load_checkpoint

    from mmfer.registry import DATASETS, MODELS
    from mmfer.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    if args.checkpoint:
        load_checkpoint(model,
                        args.checkpoint,
                        map_location='cpu',
                        strict=True)
    else:
        model.init_weights()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    res = mask_statistics(model, dataset, args.num, args.batch_size,
                          args.num_random, args.threshold, args.seed)
    print(f'{res["num_images"]} images, {res["num_masked"]} of '
          f'{res["num_patches"]} patches masked (mask ratio '
          f'{res["mask_ratio"]}); checkpoint: {args.checkpoint or "none"}')
    print(f'{"masking":<12} {"in M_exp (>" + str(args.threshold) + ")":>16}'
          f' {"mean M_exp":>11}')
    for key, name in (('esgm', 'ESGM'), ('random', 'random'), ('all_patches',
                                                               'all patches')):
        print(f'{name:<12} {res[key]["in_exp"]:>16.3f} '
              f'{res[key]["mean_exp"]:>11.3f}')
    return res


if __name__ == '__main__':
    main()
