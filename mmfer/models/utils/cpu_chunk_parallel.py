"""A batch's loss as chunks run in threads, forward and backward, on CPU.

On a CPU, one process gives each operator all of its intra-op threads.
The dense matrix products are then near the machine's peak, but the many
smaller operators of a transformer step (norms, activations, attention of
short sequences, index and copy kernels) scale poorly across threads. When
the samples of a batch are independent until the loss (no batch norm, no
cross-sample attention), the batch can instead be split into ``n`` chunks
whose forward *and backward* run at the same time in ``n`` threads with
``threads / n`` intra-op threads each: the autograd engine runs a CPU graph
on the thread that calls ``backward``, and the parameter gradients of the
chunks accumulate under its per-parameter lock.

For a loss that is a mean over samples, the weighted sum of the chunk
losses (weights ``n_c / N``) is the batch loss, and its gradients are the
batch's (up to float rounding, ~1e-7 relative).
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch

_POOLS: Dict[tuple, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _reset_pools_in_child():
    # a forked dataloader worker has no pool threads; never reuse them
    _POOLS.clear()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_reset_pools_in_child)


def _chunk_pool(workers: int, threads_per_chunk: int) -> ThreadPoolExecutor:
    """A cached pool of ``workers`` threads, each set to
    ``threads_per_chunk`` intra-op threads (OpenMP and MKL keep the thread
    count per thread, so the caller's own setting is unchanged)."""
    key = (workers, threads_per_chunk)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = ThreadPoolExecutor(
                max_workers=workers,
                thread_name_prefix=f'mmfer-chunk{threads_per_chunk}t',
                initializer=torch.set_num_threads,
                initargs=(threads_per_chunk, ))
            _POOLS[key] = pool
    return pool


class _JoinChunkLosses(torch.autograd.Function):
    """Passes the weighted sums of the chunks' losses on; its backward runs
    the chunks' own backward passes in the pool's threads.

    The chunk losses reach it inside a list, so autograd does not link them
    to its outputs: the main thread's backward stops here, and each chunk
    graph is run by one pool thread.
    """

    @staticmethod
    def forward(ctx, pool, chunk_losses, weights, *values):
        # chunk_losses: C lists of K scalar tensors (with graphs); values:
        # their K weighted sums (detached)
        ctx.pool, ctx.chunk_losses, ctx.weights = pool, chunk_losses, weights
        return tuple(v.clone() for v in values)

    @staticmethod
    def backward(ctx, *grads):
        chunk_losses, weights = ctx.chunk_losses, ctx.weights

        def backward_chunk(c: int):
            pairs = [(loss, grad * weights[c])
                     for loss, grad in zip(chunk_losses[c], grads)
                     if grad is not None and loss.requires_grad]
            if pairs:
                torch.autograd.backward([p[0] for p in pairs],
                                        [p[1] for p in pairs])

        list(ctx.pool.map(backward_chunk, range(len(chunk_losses))))
        ctx.chunk_losses = None  # free the graphs' references
        return (None, ) * (3 + len(grads))


def chunk_bounds(batch_size: int, num_chunks: int) -> List[tuple]:
    """``num_chunks`` contiguous (start, stop) ranges covering the batch,
    sizes differing by at most one."""
    base, extra = divmod(batch_size, num_chunks)
    bounds, start = [], 0
    for c in range(num_chunks):
        stop = start + base + (1 if c < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


class CPUChunkParallel:
    """Compute a batch's loss dict as chunks in threads (forward and
    backward in parallel).

    Args:
        num_chunks (int | str | None): chunks per batch. ``'auto'``: one per
            intra-op thread (``torch.get_num_threads()``), at most one per
            sample; an int: that many (at most one per sample); None, 0 or
            1: off.

    Use :meth:`num_chunks_for` to decide whether a batch is split, then
    :meth:`loss`. Splitting is skipped (``num_chunks_for`` returns 1)
    when the batch is on a GPU, when autograd is off or autocast is on (the
    thread-local modes would not reach the pool threads), and inside
    ``torch.distributed`` training (DDP's gradient hooks expect one
    backward per process); the caller then runs its usual single pass.

    Examples:
        >>> import torch
        >>> net = torch.nn.Linear(4, 2)
        >>> x, y = torch.randn(6, 4), torch.randn(6, 2)
        >>> par = CPUChunkParallel(2)
        >>> par.num_chunks_for(6, x)
        2
        >>> losses = par.loss(
        ...     lambda a, b: dict(loss=((net(a) - b) ** 2).mean()),
        ...     [(x[:3], y[:3]), (x[3:], y[3:])], [0.5, 0.5])
        >>> losses['loss'].backward()
        >>> net.weight.grad.shape
        torch.Size([2, 4])
    """

    def __init__(self, num_chunks: Union[int, str, None] = 'auto'):
        if not (num_chunks is None or num_chunks == 'auto' or
                (isinstance(num_chunks, int)
                 and not isinstance(num_chunks, bool) and num_chunks >= 0)):
            raise ValueError(
                'cpu_chunks must be "auto", a number of chunks >= 0 or '
                f'None (off); got {num_chunks!r}.')
        self.num_chunks = num_chunks

    def num_chunks_for(self, batch_size: int,
                       *tensors: Optional[torch.Tensor]) -> int:
        """How many chunks a batch of ``batch_size`` samples (held in
        ``tensors``) is split into now; 1 means no split."""
        if self.num_chunks in (None, 0, 1) or batch_size < 2:
            return 1
        if any(t is not None and t.device.type != 'cpu' for t in tensors):
            return 1
        if not torch.is_grad_enabled() or torch.is_inference_mode_enabled() \
                or torch.is_autocast_enabled('cpu'):
            return 1
        if torch.distributed.is_available() and \
                torch.distributed.is_initialized():
            return 1
        wanted = torch.get_num_threads() if self.num_chunks == 'auto' \
            else self.num_chunks
        return max(1, min(wanted, batch_size))

    def loss(self, loss_fn: Callable[..., dict],
             chunk_args: Sequence[tuple],
             weights: Sequence[float]) -> Dict[str, torch.Tensor]:
        """Run ``loss_fn(*args)`` for each chunk in its own thread and join
        the loss dicts.

        Args:
            loss_fn (callable): returns a dict of scalar tensors (losses
                with graphs, or detached values such as an accuracy).
            chunk_args (Sequence[tuple]): the arguments of each chunk.
            weights (Sequence[float]): each chunk's weight in the batch
                loss (``n_c / N`` for a mean over samples).

        Returns:
            dict: per key, the weighted sum over chunks. The keys that need
            gradients are outputs of one autograd node whose backward runs
            the chunks' backward passes in the same threads.
        """
        num = len(chunk_args)
        threads = max(1, torch.get_num_threads() // num)
        pool = _chunk_pool(num, threads)
        results = list(pool.map(lambda args: loss_fn(*args), chunk_args))
        keys = list(results[0])
        for c, res in enumerate(results):
            if list(res) != keys:
                raise RuntimeError(
                    f'chunk {c} returned the losses {sorted(res)}, chunk 0 '
                    f'{sorted(keys)}: the chunks must return the same keys.')
            for k, v in res.items():
                if not (isinstance(v, torch.Tensor) and v.dim() == 0):
                    shape = tuple(v.shape) if isinstance(
                        v, torch.Tensor) else ''
                    raise TypeError(
                        'CPUChunkParallel joins scalar tensors; the loss '
                        f'"{k}" is {type(v).__name__}{shape}. Set '
                        'cpu_chunks=None for this model.')
        grad_keys = [k for k in keys
                     if any(res[k].requires_grad for res in results)]
        out = {k: sum(w * res[k].detach() for w, res in zip(weights, results))
               for k in keys}
        if grad_keys:
            # the sums as leaves that require grad: the join node's inputs
            joined = _JoinChunkLosses.apply(
                pool, [[res[k] for k in grad_keys] for res in results],
                list(weights), *(out[k].requires_grad_() for k in grad_keys))
            out.update(zip(grad_keys, joined))
        return out
