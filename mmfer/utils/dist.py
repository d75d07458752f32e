"""Distributed initialisation that also works without CUDA.

mmengine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``
and defaults to NCCL, which fails on CPU-only machines ("Found no NVIDIA
driver"), and its DDP wrapper passes ``device_ids=[local_rank]``, which
DDP rejects for CPU modules. On such machines mmfer creates the process
group itself with the gloo backend *before* the Runner is built (mmengine
then skips its own initialisation) and wraps the model with
``device_ids=None``. With CUDA present, mmengine's own path is used.
"""
import os
from datetime import timedelta

import torch
import torch.distributed as torch_dist


def _slurm_env():
    """Map SLURM variables to torch's env:// variables."""
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    node_list = os.environ['SLURM_NODELIST']
    import subprocess
    addr = subprocess.getoutput(
        f'scontrol show hostname {node_list} | head -n1')
    os.environ.setdefault('MASTER_ADDR', addr)
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['RANK'] = str(proc_id)
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def _mpi_env():
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29500')


def init_cpu_distributed(launcher: str, timeout_s: int = 1800) -> bool:
    """Initialise a gloo process group when CUDA is unavailable.

    Args:
        launcher (str): ``'pytorch'`` (torchrun), ``'slurm'`` or ``'mpi'``.
        timeout_s (int): collective timeout in seconds.

    Returns:
        bool: True if this function created the process group; False if
        CUDA is available (mmengine initialises NCCL itself) or a group
        already exists.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if torch_dist.is_available() and torch_dist.is_initialized():
        return False
    if launcher == 'slurm':
        _slurm_env()
    elif launcher == 'mpi':
        _mpi_env()
    elif launcher != 'pytorch':
        raise ValueError(f'Unknown launcher {launcher!r}; use none, '
                         'pytorch, slurm or mpi.')
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
               if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher {launcher} needs the environment variables '
            f'{missing}; start the job with tools/dist_train.sh (torchrun) '
            'or tools/slurm_train.sh.')
    torch_dist.init_process_group(
        backend='gloo', timeout=timedelta(seconds=timeout_s))
    return True


def cpu_ddp_wrapper_cfg() -> dict:
    """``model_wrapper_cfg`` for DDP over CPU modules."""
    return dict(
        type='MMDistributedDataParallel',
        device_ids=None,
        broadcast_buffers=False)


def setup_distributed(cfg, launcher: str) -> None:
    """Prepare ``cfg`` and the process group for ``launcher``.

    On CPU-only machines creates the gloo group and sets the CPU DDP
    wrapper (unless the config sets its own ``model_wrapper_cfg``); with
    CUDA, leaves everything to mmengine.
    """
    cfg.launcher = launcher
    if init_cpu_distributed(launcher):
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        if not cfg.get('model_wrapper_cfg'):
            cfg.model_wrapper_cfg = cpu_ddp_wrapper_cfg()
