"""patchify/unpatchify and the 2-D sin-cos position embedding."""
import pytest
import torch

from mmfer.models.utils import patchify, sincos_pos_embed, unpatchify


def test_patchify_roundtrip_and_layout():
    x = torch.rand(2, 5, 32, 48)
    p = patchify(x, 16)
    assert p.shape == (2, 6, 16 * 16 * 5)
    # patch (row 1, col 2) is token 1 * 3 + 2, channels last inside a patch
    torch.testing.assert_close(
        p[0, 5].view(16, 16, 5), x[0, :, 16:32, 32:48].permute(1, 2, 0))
    torch.testing.assert_close(unpatchify(p, 16, 5, (2, 3)), x)
    with pytest.raises(ValueError, match='not divisible'):
        patchify(torch.rand(1, 3, 30, 32), 16)


def test_sincos_rows_and_columns():
    e = sincos_pos_embed((2, 3), 8).view(2, 3, 8)
    # first half encodes the row, second half the column
    torch.testing.assert_close(e[0, :, :4], e[0, :1, :4].expand(3, -1))
    torch.testing.assert_close(e[:, 0, 4:], e[:1, 0, 4:].expand(2, -1))
    assert sincos_pos_embed(4, 32, cls_token=True).shape == (1, 17, 32)
    with pytest.raises(ValueError, match='divisible by 4'):
        sincos_pos_embed(4, 30)
