# Compute-bound tiny training for tools/analysis_tools/benchmark_dist.py:
# the quickstart model (ResNet-18, 32 base channels, 2.8 M parameters) on
# the quickstart SynthFace render cropped and resized to 128 x 128 (4x the
# quickstart's compute per sample for the same parameters to all-reduce
# and the same PNG decoding), batch 32 per process, iteration-based, no
# validation or checkpoints. The loader runs in the main process
# (num_workers=0): decoding the 64 px PNGs runs at ~1,000 samples/s on one
# core (benchmark_data_pipeline.py), several times the model's rate, and
# its share of the iteration is printed.
#   tools/dist_train.sh configs/benchmarks/resnet18-w32_dist-bench_synthface-expr-rgb-64px.py 2 \
#       --cfg-options train_dataloader.dataset.data_root=/tmp/mmfer_bench_data/synthface_quickstart
_base_ = ['../quickstart/resnet18-w32_synthface-expr-rgb-64px.py']

img_size = 128
train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.7, 1.0),
        aspect_ratio_range=(0.9, 1.1)),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline))
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters=30,
    val_interval=1000000)
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
# constant lr: the schedule does not change the cost of a step
param_scheduler = []
# one log row per 5 iterations, each the mean of those 5 (benchmark_dist.py
# reads them from scalars.json)
log_processor = dict(by_epoch=False, window_size=5)
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1000000, save_last=False))
custom_hooks = []
