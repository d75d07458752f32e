# defaults to use registries in mmfer
default_scope = 'mmfer'

default_hooks = dict(
    # record the time of every iteration
    timer=dict(type='IterTimerHook'),
    # print a log line every `interval` iterations
    logger=dict(type='LoggerHook', interval=20),
    # enable the parameter schedulers
    param_scheduler=dict(type='ParamSchedulerHook'),
    # save a checkpoint every epoch, keep the last 3
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    # set the sampler seed in distributed runs
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # tools/test.py --show-dir enables this
    visualization=dict(type='FERVisualizationHook', enable=False),
)

# reseed each epoch from (seed, epoch): bit-exact --resume
custom_hooks = [dict(type='RandomStateHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo (CPU DDP) when CUDA is absent
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='FERVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
log_processor = dict(by_epoch=True)
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
