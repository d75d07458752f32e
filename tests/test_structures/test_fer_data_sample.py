import pytest
import torch

from mmfer.structures import AU_UNKNOWN, FERDataSample


def test_au_labels_and_mask():
    s = FERDataSample().set_au_label([1, 0, AU_UNKNOWN, 1])
    assert s.gt_au.dtype == torch.float32
    assert s.au_valid_mask.tolist() == [True, True, False, True]
    s.set_au_intensity([3, 0, 0, 2.5])
    assert s.gt_au_intensity[3] == 2.5


def test_bp4d_code_9_is_rejected_with_hint():
    with pytest.raises(ValueError, match='unknown'):
        FERDataSample().set_au_label([1, 9])


def test_pred_au_threshold_and_expression_fields():
    s = FERDataSample().set_pred_au(torch.tensor([0.2, 0.5, 0.9]))
    assert s.pred_au.tolist() == [0, 1, 1]
    s.set_gt_label(3)  # mmpretrain field for the expression
    assert s.gt_label.tolist() == [3]
    s.set_metainfo(dict(subject='F001', domain='bp4d', modalities=('rgb', )))
    assert s.subject == 'F001' and s.domain == 'bp4d'
