"""mmfer's registries: children of mmengine's root registries.

Modules register into these with ``@MODELS.register_module()`` and are
found by name inside the ``mmfer`` scope (``default_scope = 'mmfer'`` in
configs). Modules of mmpretrain and mmaction2 are reached with a scope
prefix, e.g. ``type='mmpretrain.VisionTransformer'`` or
``type='mmaction.DecordInit'``; mmengine imports the named package's
registry (and its ``locations``) on first use. ``import mmfer`` first
installs the workaround that lets ``mmaction.models`` import
(:mod:`mmfer.utils.compat`).
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'TASK_UTILS', 'METRICS',
    'EVALUATOR', 'VISUALIZERS', 'VISBACKENDS', 'FUNCTIONS', 'INFERENCERS',
    'PROTOCOLS', 'FACE_DETECTORS'
]

# Training and testing
RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, locations=['mmfer.engine'])
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor',
    parent=MMENGINE_RUNNER_CONSTRUCTORS,
    locations=['mmfer.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['mmfer.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['mmfer.engine'])
LOG_PROCESSORS = Registry(
    'log processor',
    parent=MMENGINE_LOG_PROCESSORS,
    locations=['mmfer.engine'])
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, locations=['mmfer.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMENGINE_OPTIM_WRAPPERS,
    locations=['mmfer.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    locations=['mmfer.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS,
    locations=['mmfer.engine'])

# Data
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['mmfer.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS,
    locations=['mmfer.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['mmfer.datasets'])
# Cross-validation protocols (`fold_protocol` of a config; mmfer only)
PROTOCOLS = Registry(
    'fold protocol', locations=['mmfer.datasets.protocols'])
# Face detectors (mmfer only; not nn.Modules trained by a runner, so no
# parent): FACE_DETECTORS.build(dict(type='MTCNNFaceDetector')), docs/face.md
FACE_DETECTORS = Registry(
    'face detector', locations=['mmfer.datasets.face'])

# Models
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['mmfer.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
    locations=['mmfer.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    locations=['mmfer.models'])
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, locations=['mmfer.models'])

# Evaluation
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, locations=['mmfer.evaluation'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, locations=['mmfer.evaluation'])

# Visualization
VISUALIZERS = Registry(
    'visualizer',
    parent=MMENGINE_VISUALIZERS,
    locations=['mmfer.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMENGINE_VISBACKENDS,
    locations=['mmfer.visualization'])

# Misc
FUNCTIONS = Registry(
    'function', parent=MMENGINE_FUNCTIONS, locations=['mmfer.datasets'])
INFERENCERS = Registry(
    'inferencer', parent=MMENGINE_INFERENCERS, locations=['mmfer.apis'])
