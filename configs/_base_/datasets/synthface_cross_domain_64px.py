# Cross-domain (cross-database) expression recognition on SynthFace, 64 x 64
# RGB, 7 basic expressions: train on one rendered domain, test on others
# (a CPU-sized stand-in for EMPD's "train on RAF-DB, test on SFEW 2.0,
# FER2013+, ExpW, AffectNet, JAFFE", Sec. IV-A / Table I).
#
# Each domain is its own render (native layout, rendered on first use and
# cached): the source 'lab' (12 subjects x 80 faces; its subject-exclusive
# val split is the in-domain test, Table II's analogue) and the targets
# 'wild', 'lowres', 'lab_dark' (8 other subjects x 40 faces each, seed 1, so
# no target subject is a source subject). Every sample's `domain` is the
# dataset name given below ('synthface-<preset>'), as a separate database's
# would be: multi-source configs list them in model.domain_names.
# test_dataloader is the 'wild' target; the others are in
# `synthface_targets` for a cross-database runner:
#   python tools/test.py <config> <ckpt> \
#     --cfg-options test_dataloader.dataset.data_root=data/synthface_xd_lowres \
#       test_dataloader.dataset.auto_generate.domains="['lowres']" \
#       test_dataloader.dataset.domain=synthface-lowres
# (leaf configs change the source through the dataloader dicts: these
# variables are read once, here)
dataset_type = 'SynthFaceDataset'
source_root = 'data/synthface_xd_lab'
source_generate = dict(
    subjects=12, samples=80, seed=0, size=64, domains=['lab'])


def _target(preset):
    return dict(
        type='SynthFaceDataset',
        data_root=f'data/synthface_xd_{preset}',
        split='all',
        domain=f'synthface-{preset}',
        auto_generate=dict(
            subjects=8, samples=40, seed=1, size=64, domains=[preset]),
        pipeline=[
            dict(type='LoadFaceModalities', modalities=('rgb', )),
            dict(type='PackFERInputs'),
        ])


train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=64,
        crop_ratio_range=(0.7, 1.0),
        aspect_ratio_range=(0.9, 1.1)),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='PackFERInputs'),
]
synthface_targets = dict(
    wild=_target('wild'),
    lowres=_target('lowres'),
    lab_dark=_target('lab_dark'))
del _target

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=source_root,
        split='train',
        domain='synthface-lab',
        auto_generate=source_generate,
        pipeline=train_pipeline))
# in-domain test: the source render's held-out subjects
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=source_root,
        split='val',
        domain='synthface-lab',
        auto_generate=source_generate,
        pipeline=test_pipeline))
val_evaluator = [dict(type='ExpressionMetric')]
# cross-domain test: the 'wild' target
test_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=synthface_targets['wild'])
test_evaluator = val_evaluator
# The cross-database table (tools/misc/run_cross_dataset.py): accuracy on
# every target render, one row per config, EMPD Table I's layout.
cross_dataset = dict(
    targets=synthface_targets,
    order=['wild', 'lowres', 'lab_dark'],
    metric='expr/WAR')
# Inference on photos / videos (mmfer.apis.FERInferencer, docs/inference.md):
# SynthFace renders frame the whole face; MTCNN's box plus 0.27 of its side
# per side gives that framing (measured on 24 renders at 64-256 px: margin
# 0.27 +- 0.03, box centre within 0.03 box sides of the image centre).
inference_face = dict(
    detector=dict(type='MTCNNFaceDetector'), margin=0.27, size=64,
    rotate=False)
