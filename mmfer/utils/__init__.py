from .checkpoint import (CorruptCheckpointError, UntrustedCheckpointError,
                         is_trusted, safe_torch_load, set_trust_all,
                         trust_checkpoints)
from .compat import apply_stack_patches
from .dist import cpu_ddp_wrapper_cfg, init_cpu_distributed, setup_distributed
from .model_checkpoint import (MIN_MATCHED_FRACTION, PARTIAL_CFG_KEY,
                               CheckpointMismatchError,
                               load_model_checkpoint)
from .setup_env import register_all_modules
from .train_args import add_train_args, merge_train_args

__all__ = [
    'apply_stack_patches', 'register_all_modules', 'safe_torch_load',
    'trust_checkpoints', 'set_trust_all', 'is_trusted',
    'UntrustedCheckpointError', 'CorruptCheckpointError',
    'init_cpu_distributed', 'setup_distributed', 'cpu_ddp_wrapper_cfg',
    'merge_train_args', 'add_train_args', 'load_model_checkpoint',
    'CheckpointMismatchError', 'MIN_MATCHED_FRACTION', 'PARTIAL_CFG_KEY'
]
