"""MMADFER train_cfg.cpu_chunks through the Runner's path (train_step with
an mmengine OptimWrapper): one SGD step with the batch split into CPU
chunks moves every trainable parameter as the unsplit step does."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from mmfer.utils import register_all_modules

ENC = dict(type='PromptedViT', arch=dict(
    embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32),
    patch_size=8, drop_path_rate=0.5, num_prompts=2, progressive_blocks=(0, 1))
CFG = dict(
    type='MMADFER',
    image_encoder=dict(ENC, img_size=16),
    audio_encoder=dict(ENC, img_size=(32, 16), in_channels=1),
    fusion=dict(type='FusionBottleneck', latent_dims=4),
    temporal=dict(type='MultimodalTemporalTransformer', num_heads=2,
                  feedforward_channels=16, num_frames=4),
    joint_dims=8,
    head=dict(type='mmpretrain.LinearClsHead', num_classes=3, in_channels=8,
              loss=dict(type='mmpretrain.CrossEntropyLoss')))


def one_step(cpu_chunks):
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(dict(copy.deepcopy(CFG),
                              train_cfg=dict(cpu_chunks=cpu_chunks)))
    g = torch.Generator().manual_seed(0)
    data = dict(
        inputs=dict(video=torch.randint(0, 256, (5, 4, 3, 16, 16),
                                        generator=g).float(),
                    audio=torch.randn(5, 1, 32, 16, generator=g)),
        data_samples=[FERDataSample().set_gt_label(i % 3) for i in range(5)])
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1.))
    torch.manual_seed(3)  # the drop-path draws
    log_vars = model.train_step(data, optim)
    return model, log_vars


def test_train_step_in_chunks_equals_the_unsplit_step():
    ref, ref_log = one_step(None)
    got, got_log = one_step(3)  # 5 clips as 2 + 2 + 1
    assert got.chunk_parallel.num_chunks_for(5, torch.zeros(1)) == 3
    torch.testing.assert_close(got_log['loss'], ref_log['loss'])
    moved = 0
    for (name, p), p_ref in zip(got.named_parameters(), ref.parameters()):
        torch.testing.assert_close(p, p_ref, rtol=1e-5, atol=1e-6,
                                   msg=name)
        moved += p.requires_grad
    assert moved > 10


def test_unknown_train_cfg_key_is_refused():
    register_all_modules()
    with pytest.raises(ValueError, match=r"keys \['cpu_chunk'\]"):
        MODELS.build(dict(CFG, train_cfg=dict(cpu_chunk=2)))


def test_clip_and_fbank_counts_are_checked_before_chunking():
    register_all_modules()
    model = MODELS.build(dict(CFG, train_cfg=dict(cpu_chunks=2))).train()
    inputs = dict(video=torch.rand(2, 4, 3, 16, 16),
                  audio=torch.randn(3, 1, 32, 16))
    samples = [FERDataSample().set_gt_label(0) for _ in range(2)]
    with pytest.raises(ValueError, match='2 clips but 3 fbanks'):
        model(inputs, samples, mode='loss')
