"""projects/esgm_mcm: ESGM in MCM's RGB+D+T pre-training builds and trains
(one loss step adds EMPD's loss_mask to MCM's Eq. 3 terms)."""
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config

from mmfer.models.mask_generators import ESGM
from mmfer.registry import DATASETS, MODELS, TRANSFORMS
from mmfer.structures import FERDataSample

CONFIG = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs',
                  'esgm-mcm_vit-tiny-p8_synthface-rgbdt-parsing_pretrain.py')


def test_config_swaps_the_mask_generator_and_loads_parsing():
    cfg = Config.fromfile(CONFIG)
    gen = cfg.model.backbone.mask_generator
    assert gen.type == 'ESGM' and 'mask_ratio' in gen
    assert cfg.model.modalities == ('rgb', 'depth', 'thermal')
    assert cfg.model.channel_mixing.type == 'BatchChannelMixing'
    ds = cfg.train_dataloader.dataset
    assert DATASETS.get(ds.type) is not None
    steps = [t['type'] for t in ds.pipeline]
    assert all(TRANSFORMS.get(t) is not None for t in steps)
    # parsing is loaded before the crop that moves it with the image
    assert steps.index('LoadParsingMap') < steps.index('RandomResizedCrop')


def test_one_loss_step_adds_loss_mask_and_trains_esgm():
    cfg = Config.fromfile(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    gen = model.backbone.mask_generator
    assert isinstance(gen, ESGM)
    samples = []
    for _ in range(2):
        m = np.zeros((64, 64), np.uint8)
        m[16:48, 16:48] = 1  # skin: an expression class
        samples.append(FERDataSample().set_parsing(m))
    data = dict(inputs=[
        torch.randint(0, 256, (5, 64, 64), dtype=torch.uint8) for _ in range(2)
    ],
                data_samples=samples)
    data = model.data_preprocessor(data, True)
    losses = model(**data, mode='loss')
    assert sorted(losses) == [
        'loss_depth', 'loss_mask', 'loss_rgb', 'loss_thermal'
    ]
    total, _ = model.parse_losses(losses)
    total.backward()
    assert gen.mlp[-1].weight.grad.abs().sum() > 0
    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    before = gen.mlp[-1].weight.detach().clone()
    optim.step()
    assert not torch.equal(before, gen.mlp[-1].weight)
