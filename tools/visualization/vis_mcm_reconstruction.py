# Reconstruction grids of an MCM checkpoint, like the paper's Fig. 4 / supp.
# Fig. 2 (rows: original RGB, masked channel-mixed input, reconstructed RGB,
# Depth, Thermal), one PNG per mask ratio:
#   python tools/visualization/vis_mcm_reconstruction.py \
#       configs/mcm/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py \
#       work_dirs/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain/epoch_100.pth \
#       --out-dir vis_mcm --mask-ratios 0.5 0.75 0.9
# Samples come from the config's train dataset (override with
# --cfg-options train_dataloader.dataset.data_root=...).
import argparse
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import load_checkpoint


def main(argv=None):
    parser = argparse.ArgumentParser(description='MCM reconstruction grids')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', default='vis_mcm')
    parser.add_argument('--num-samples', type=int, default=4)
    parser.add_argument('--start', type=int, default=0,
                        help='index of the first dataset sample')
    parser.add_argument('--mask-ratios', type=float, nargs='+',
                        default=[0.5, 0.75, 0.9])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)

    from mmfer.engine.hooks.mcm_reconstruction_hook import (
        load_samples, reconstruction_grid, save_png)
    from mmfer.registry import DATASETS, MODELS
    from mmfer.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    idx = range(args.start, min(args.start + args.num_samples, len(dataset)))
    torch.manual_seed(args.seed)
    inputs = load_samples(dataset, idx, model.data_preprocessor)
    paths = []
    for ratio in args.mask_ratios:
        model.backbone.mask_generator.mask_ratio = ratio
        torch.manual_seed(args.seed)
        grid = reconstruction_grid(model, inputs)
        path = osp.join(args.out_dir, f'mcm_reconstruction_mask{ratio}.png')
        save_png(path, grid)
        paths.append(path)
        print(f'mask ratio {ratio}: {path}')
    return paths


if __name__ == '__main__':
    main()
