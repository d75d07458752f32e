# EMPD's ESGM masks of a checkpoint, as MaskVisualizationHook draws them
# during training (rows: input, mask weights omega of Eq. 3, masked patches
# of Eq. 4 in gray, the attention map A of Eq. 3 on the image as in Fig. 4,
# the patch means of M_exp of Eq. 5-6 when the sample has a parsing map):
#   python tools/visualization/vis_esgm_masks.py \
#       configs/empd/empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py \
#       work_dirs/empd_vit-tiny-p8_esgm_synthface-64px_pretrain/epoch_40.pth \
#       --out vis_esgm --num 8
# Samples: the first --num of the config's train dataset (override with
# --cfg-options train_dataloader.dataset.data_root=...); one PNG per
# --rows samples.
import argparse
import os.path as osp

import torch
from mmengine.config import Config, DictAction


def main(argv=None):
    parser = argparse.ArgumentParser(description='ESGM mask grids')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='vis_esgm', help='output folder')
    parser.add_argument('--num',
                        type=int,
                        default=8,
                        help='first N samples of the train dataset')
    parser.add_argument('--rows', type=int, default=8, help='samples per PNG')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    from mmengine.runner import load_checkpoint

    from mmfer.engine.hooks.mask_visualization_hook import (esgm_mask_maps,
                                                            esgm_of,
                                                            load_batch,
                                                            mask_grid)
    from mmfer.engine.hooks.mcm_reconstruction_hook import save_png
    from mmfer.registry import DATASETS, MODELS
    from mmfer.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    esgm_of(model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    n = min(args.num, len(dataset))
    torch.manual_seed(args.seed)
    paths = []
    for start in range(0, n, args.rows):
        idx = range(start, min(start + args.rows, n))
        inputs, samples = load_batch(dataset, idx, model.data_preprocessor)
        grid = mask_grid(esgm_mask_maps(model, inputs, samples))
        path = osp.join(args.out, f'esgm_masks_{idx[0]:05d}-{idx[-1]:05d}.png')
        save_png(path, grid)
        paths.append(path)
        print(f'samples {idx[0]}-{idx[-1]}: {path}')
    return paths


if __name__ == '__main__':
    main()
