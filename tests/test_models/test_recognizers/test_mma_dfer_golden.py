"""MMADFER outputs frozen before the issue-12 speed work: logits, loss and
the gradients of every trainable parameter of tiny seeded models must stay
within 1e-5 of ``tests/data/mma_dfer_golden.pt``.

The golden file holds, per case, the model config, its state dict, the
inputs and the outputs computed by the code of commit 3ed6d25 (before the
optimisations of tools/analysis_tools/benchmark_mma_dfer.py
--profile-step). Regenerate it only for an intended change of the model's
outputs: ``python tests/test_models/test_recognizers/
test_mma_dfer_golden.py --regenerate``.
"""
import copy
import os.path as osp
import sys

import pytest
import torch

from mmfer.registry import MODELS
from mmfer.structures import FERDataSample
from mmfer.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
GOLDEN = osp.join(REPO, 'tests', 'data', 'mma_dfer_golden.pt')
B, T, NUM_CLASSES = 2, 4, 5
ARCH = dict(embed_dims=16, num_layers=3, num_heads=2,
            feedforward_channels=32)
# drop path 0.3: train-mode outputs depend on the random draws of the
# stochastic depth, so skipping dropped samples must keep the draws
ENC = dict(type='PromptedViT', arch=ARCH, patch_size=8, drop_path_rate=0.3,
           num_prompts=4, progressive_blocks=(0, 2))
BASE = dict(
    type='MMADFER',
    image_encoder=dict(ENC, img_size=16),
    audio_encoder=dict(ENC, img_size=(32, 16), in_channels=1),
    fusion=dict(type='FusionBottleneck', latent_dims=4),
    temporal=dict(type='MultimodalTemporalTransformer', num_heads=2,
                  feedforward_channels=16, num_frames=T),
    joint_dims=8,
    head=dict(type='mmpretrain.LinearClsHead', num_classes=NUM_CLASSES,
              in_channels=8, loss=dict(type='mmpretrain.CrossEntropyLoss')))
CASES = {
    'fusion': {},
    'fusion_frozen_eval': dict(frozen_eval=True),
    'temporal_adaptor': dict(temporal_adaptor=dict(
        type='IntermediateTemporalAdaptor', latent_dims=4, num_frames=T)),
    'mean_over_frames': dict(temporal=None),
    'video_only': dict(audio_encoder=None, fusion=None),
    'audio_only': dict(image_encoder=None, fusion=None, temporal=None),
}
DROP_PATH_SEED = 1


def build(cfg: dict, state_dict=None):
    register_all_modules()
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg))
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model


def make_inputs():
    g = torch.Generator().manual_seed(0)
    return dict(video=torch.rand(B, T, 3, 16, 16, generator=g),
                audio=torch.randn(B, 1, 32, 16, generator=g))


def run(model, inputs):
    """Eval logits, train-mode logits and loss (seeded drop path) and the
    gradients of the trainable parameters."""
    samples = [FERDataSample().set_gt_label(i % NUM_CLASSES)
               for i in range(B)]
    model.eval()
    with torch.no_grad():
        eval_logits = model(inputs, mode='tensor')
    model.train()
    torch.manual_seed(DROP_PATH_SEED)
    with torch.no_grad():
        train_logits = model(inputs, mode='tensor')
    torch.manual_seed(DROP_PATH_SEED)
    model.zero_grad(set_to_none=True)
    loss = model(inputs, samples, mode='loss')['loss']
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()
             if p.requires_grad and p.grad is not None}
    return dict(eval_logits=eval_logits, train_logits=train_logits,
                loss=loss.detach(), grads=grads)


def pack(tensors: dict) -> dict:
    """Float tensors as one flat tensor + (name, shape) list: a small file
    (torch.save stores each tensor as a separate zip entry)."""
    names = list(tensors)
    return dict(names=names, shapes=[tuple(tensors[n].shape) for n in names],
                flat=torch.cat([tensors[n].reshape(-1).float()
                                for n in names]))


def unpack(packed: dict) -> dict:
    sizes = [int(torch.Size(s).numel()) for s in packed['shapes']]
    return {n: t.view(s) for n, s, t in zip(
        packed['names'], packed['shapes'], packed['flat'].split(sizes))}


def regenerate():
    inputs = make_inputs()
    golden = dict(inputs=inputs, cases={})
    for name, overrides in CASES.items():
        cfg = dict(BASE, **overrides)
        model = build(cfg)
        outputs = run(model, inputs)
        outputs['grads'] = pack(outputs['grads'])
        golden['cases'][name] = dict(
            cfg=cfg, state_dict=pack(model.state_dict()), outputs=outputs)
    torch.save(golden, GOLDEN)
    print(f'wrote {GOLDEN}')


@pytest.fixture(scope='module')
def golden():
    if not osp.isfile(GOLDEN):
        pytest.fail(f'{GOLDEN} is missing; it is part of the repository '
                    '(git checkout tests/data/mma_dfer_golden.pt).')
    return torch.load(GOLDEN, weights_only=False)


@pytest.mark.parametrize('case', sorted(CASES))
def test_outputs_match_golden(golden, case):
    entry = golden['cases'][case]
    model = build(entry['cfg'], unpack(entry['state_dict']))
    got = run(model, golden['inputs'])
    want = dict(entry['outputs'], grads=unpack(entry['outputs']['grads']))
    for key in ('eval_logits', 'train_logits', 'loss'):
        torch.testing.assert_close(got[key], want[key], rtol=1e-5, atol=1e-5,
                                   msg=lambda m: f'{case} {key}: {m}')
    assert sorted(got['grads']) == sorted(want['grads'])
    for name, grad in want['grads'].items():
        torch.testing.assert_close(got['grads'][name], grad, rtol=1e-5,
                                   atol=1e-5,
                                   msg=lambda m: f'{case} grad {name}: {m}')


@pytest.mark.parametrize('case', sorted(CASES))
def test_cpu_chunks_match_golden_loss_and_gradients(golden, case):
    """train_cfg.cpu_chunks=2: the two clips' forward and backward run in
    two threads; with the batch's drop-path draws made first, the loss and
    every gradient equal the unsplit batch's golden values."""
    entry = golden['cases'][case]
    model = build(dict(entry['cfg'], train_cfg=dict(cpu_chunks=2)),
                  unpack(entry['state_dict']))
    inputs = golden['inputs']
    samples = [FERDataSample().set_gt_label(i % NUM_CLASSES)
               for i in range(B)]
    model.train()
    assert model.chunk_parallel.num_chunks_for(B, inputs['video']) == 2
    torch.manual_seed(DROP_PATH_SEED)
    loss = model(inputs, samples, mode='loss')['loss']
    # the loss is the output of the join node, not of a single-pass graph
    assert type(loss.grad_fn).__name__ == '_JoinChunkLossesBackward'
    loss.backward()
    want = dict(entry['outputs'], grads=unpack(entry['outputs']['grads']))
    torch.testing.assert_close(loss.detach(), want['loss'], rtol=1e-5,
                               atol=1e-5)
    got = {n: p.grad for n, p in model.named_parameters()
           if p.requires_grad and p.grad is not None}
    assert sorted(got) == sorted(want['grads'])
    for name, grad in want['grads'].items():
        torch.testing.assert_close(got[name], grad, rtol=1e-5, atol=1e-5,
                                   msg=lambda m: f'{case} grad {name}: {m}')


def test_drop_path_is_active_in_the_golden_train_outputs(golden):
    """The train-mode case differs from eval mode (drop path ran), so the
    golden file checks the stochastic-depth path too."""
    out = golden['cases']['fusion']['outputs']
    assert not torch.allclose(out['train_logits'], out['eval_logits'])
    frozen_eval = golden['cases']['fusion_frozen_eval']['outputs']
    torch.testing.assert_close(frozen_eval['train_logits'],
                               frozen_eval['eval_logits'])


if __name__ == '__main__':
    if '--regenerate' in sys.argv:
        regenerate()
    else:
        print(__doc__)
