"""ConcatPoolFusion: CM-CNN Table II's "G + L + D" concatenation baseline."""
import pytest
import torch

from mmfer.models.necks import ConcatPoolFusion


def test_concat_then_max_and_avg_pool():
    torch.manual_seed(0)
    maps = [torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5),
            torch.randn(2, 6, 3, 5)]
    f_v, = ConcatPoolFusion()(maps)
    assert f_v.shape == (2, 2 * 14)
    x = torch.cat(maps, 1)  # (2, 14, 3, 5)
    assert torch.allclose(f_v[:, :14], x.amax(dim=(2, 3)))
    assert torch.allclose(f_v[:, 14:], x.mean(dim=(2, 3)))
    avg_max, = ConcatPoolFusion(pool=('avg', 'max'))(maps)
    assert torch.allclose(avg_max[:, :14], x.mean(dim=(2, 3)))
    # equal C: (B, 2 * M * C)
    assert ConcatPoolFusion()([maps[0]] * 3)[0].shape == (2, 2 * 3 * 4)


def test_bad_inputs():
    with pytest.raises(ValueError, match='spatial size'):
        ConcatPoolFusion()([torch.randn(1, 4, 3, 5), torch.randn(1, 4, 5, 3)])
    with pytest.raises(TypeError, match='sequence of per-modality maps'):
        ConcatPoolFusion()(torch.randn(1, 4, 3, 5))
    with pytest.raises(ValueError, match="pool must be distinct entries"):
        ConcatPoolFusion(pool=('max', 'max'))
