"""CPUChunkParallel: a batch's loss as chunks in threads, forward and
backward, with the unsplit batch's loss and gradients."""
import threading

import pytest
import torch

from mmfer.models.utils import CPUChunkParallel, chunk_bounds


def test_chunk_bounds_cover_the_batch_evenly():
    assert chunk_bounds(5, 2) == [(0, 3), (3, 5)]
    assert chunk_bounds(7, 3) == [(0, 3), (3, 5), (5, 7)]
    assert chunk_bounds(2, 2) == [(0, 1), (1, 2)]


def _mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.GELU(),
                               torch.nn.LayerNorm(16), torch.nn.Linear(16, 3))


@pytest.mark.parametrize('batch,chunks', [(6, 2), (7, 3)])
def test_loss_and_gradients_equal_the_unsplit_batch(batch, chunks):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 6, generator=g)
    y = torch.randint(0, 3, (batch, ), generator=g)
    ref_net, net = _mlp(), _mlp()

    def loss_fn(model, xs, ys):
        logits = model(xs)
        return dict(loss=torch.nn.functional.cross_entropy(logits, ys),
                    accuracy=(logits.argmax(1) == ys).float().mean())

    ref = loss_fn(ref_net, x, y)
    ref['loss'].backward()
    threads_seen = []

    def chunk_loss(xs, ys):
        threads_seen.append(threading.current_thread().name)
        return loss_fn(net, xs, ys)

    par = CPUChunkParallel(chunks)
    bounds = chunk_bounds(batch, chunks)
    out = par.loss(chunk_loss, [(x[a:b], y[a:b]) for a, b in bounds],
                   [(b - a) / batch for a, b in bounds])
    assert list(out) == ['loss', 'accuracy']
    # the chunks ran in the pool's threads, not in the caller's
    assert all(n.startswith('mmfer-chunk') for n in threads_seen)
    assert not out['accuracy'].requires_grad
    torch.testing.assert_close(out['accuracy'], ref['accuracy'])
    torch.testing.assert_close(out['loss'], ref['loss'].detach())
    out['loss'].backward()
    for (name, p), p_ref in zip(net.named_parameters(),
                                ref_net.parameters()):
        torch.testing.assert_close(p.grad, p_ref.grad, rtol=1e-6,
                                   atol=1e-7, msg=name)


def test_num_chunks_for_falls_back_to_one_pass():
    x = torch.zeros(4, 3)
    auto = CPUChunkParallel('auto')
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert auto.num_chunks_for(4, x) == 2
        assert auto.num_chunks_for(1, x) == 1  # one sample
        torch.set_num_threads(1)
        assert auto.num_chunks_for(4, x) == 1  # one thread
    finally:
        torch.set_num_threads(old)
    assert CPUChunkParallel(8).num_chunks_for(3, x) == 3  # <= one per sample
    assert CPUChunkParallel(None).num_chunks_for(4, x) == 1
    assert CPUChunkParallel(1).num_chunks_for(4, x) == 1
    with torch.no_grad():
        assert CPUChunkParallel(2).num_chunks_for(4, x) == 1
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert CPUChunkParallel(2).num_chunks_for(4, x) == 1


def test_pool_threads_do_not_change_the_callers_thread_count():
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        net = _mlp()
        x = torch.randn(4, 6)
        counts = []

        def chunk_loss(xs):
            counts.append(torch.get_num_threads())
            return dict(loss=net(xs).square().mean())

        CPUChunkParallel(2).loss(chunk_loss, [(x[:2], ), (x[2:], )],
                                 [.5, .5])['loss'].backward()
        assert counts == [1, 1]  # 2 threads // 2 chunks
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(old)


def test_bad_settings_and_bad_losses_are_refused():
    with pytest.raises(ValueError, match='cpu_chunks must be "auto"'):
        CPUChunkParallel('two')
    with pytest.raises(ValueError, match='cpu_chunks must be'):
        CPUChunkParallel(-1)
    x = torch.randn(4, 6)
    net = _mlp()
    with pytest.raises(TypeError, match=r'"loss" is Tensor\(2, 3\)'):
        CPUChunkParallel(2).loss(lambda xs: dict(loss=net(xs)),
                                 [(x[:2], ), (x[2:], )], [.5, .5])
