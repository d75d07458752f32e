"""The data sample that carries every FER / AU label through mmfer."""
from typing import Sequence, Union

import numpy as np
import torch
from mmpretrain.structures import DataSample

AU_UNKNOWN = -1
"""Value of an AU label that is missing (e.g. code ``9`` in BP4D files)."""


def _to_float_tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.float()
    return torch.as_tensor(np.asarray(value, dtype=np.float32))


class FERDataSample(DataSample):
    """mmpretrain's ``DataSample`` extended with AU and identity fields.

    Expression labels use mmpretrain's fields, so every mmpretrain head and
    metric works unchanged:

    - ``gt_label`` (LongTensor, shape (1,)): expression class index.
    - ``pred_score`` / ``pred_label``: expression scores and prediction.

    Fields added by mmfer:

    - ``gt_au`` (FloatTensor, shape (K,)): AU occurrence, 1 present,
      0 absent, :data:`AU_UNKNOWN` (-1) not coded. Losses and metrics skip
      unknown entries.
    - ``gt_au_intensity`` (FloatTensor, shape (K,)): AU intensity 0-5.
    - ``pred_au_score`` (FloatTensor, shape (K,)): AU probabilities.
    - ``pred_au`` (FloatTensor, shape (K,)): thresholded AU predictions.
    - ``gt_parsing`` (ByteTensor, shape (H, W)): face-parsing class id of
      every pixel of the (transformed) image, aligned with ``inputs``
      (``LoadParsingMap``; 255 = padding / ignore).

    Meta information (set with ``set_metainfo``, by ``PackFERInputs``):
    ``subject`` (str), ``domain`` (str, the dataset the sample comes from,
    e.g. ``'dfew'``, ``'synthface'``; every mmfer dataset sets it),
    ``domain_label`` / ``domain_name`` (SynthFace's rendered domain: int id
    and preset name), ``modalities`` (tuple of channel-group names, e.g.
    ``('rgb', 'depth')``), ``img_path``, ...

    Examples:
        >>> sample = FERDataSample().set_au_label([1, 0, -1])
        >>> sample.gt_au
        tensor([ 1.,  0., -1.])
        >>> sample.au_valid_mask
        tensor([ True,  True, False])
    """

    def set_au_label(self, value: Union[Sequence, np.ndarray,
                                        torch.Tensor]) -> 'FERDataSample':
        """Set ``gt_au``: (K,) with values in {0, 1, -1 (unknown)}."""
        label = _to_float_tensor(value).flatten()
        bad = ~((label == 0) | (label == 1) | (label == AU_UNKNOWN))
        if bad.any():
            raise ValueError(
                'AU occurrence labels must be 0, 1 or -1 (unknown), got '
                f'{label[bad].unique().tolist()}. Map dataset codes such as '
                '9 (BP4D "not coded") to -1 in the dataset class.')
        self.set_field(label, 'gt_au', dtype=torch.Tensor)
        return self

    def set_au_intensity(self, value) -> 'FERDataSample':
        """Set ``gt_au_intensity``: (K,) float intensities (0-5)."""
        self.set_field(
            _to_float_tensor(value).flatten(),
            'gt_au_intensity',
            dtype=torch.Tensor)
        return self

    def set_pred_au(self, score: torch.Tensor,
                    thr: float = 0.5) -> 'FERDataSample':
        """Set ``pred_au_score`` (K,) and ``pred_au`` = score >= thr."""
        score = _to_float_tensor(score).flatten()
        self.set_field(score, 'pred_au_score', dtype=torch.Tensor)
        self.set_field((score >= thr).float(), 'pred_au', dtype=torch.Tensor)
        return self

    def set_parsing(self, value: Union[np.ndarray,
                                       torch.Tensor]) -> 'FERDataSample':
        """Set ``gt_parsing``: an (H, W) map of uint8 class ids."""
        arr = value if isinstance(value, torch.Tensor) else torch.from_numpy(
            np.ascontiguousarray(value))
        if arr.dim() != 2 or arr.dtype not in (torch.uint8, torch.int64,
                                                torch.int32):
            raise ValueError('A parsing map must be an (H, W) integer map '
                             f'of class ids, got shape {tuple(arr.shape)} '
                             f'and dtype {arr.dtype}.')
        if arr.numel() and (arr.min() < 0 or arr.max() > 255):
            raise ValueError('Parsing class ids must be in [0, 255], got '
                             f'[{int(arr.min())}, {int(arr.max())}].')
        self.set_field(arr.to(torch.uint8), 'gt_parsing', dtype=torch.Tensor)
        return self

    @property
    def au_valid_mask(self) -> torch.Tensor:
        """(K,) bool: which AU labels are coded (not unknown)."""
        return self.gt_au != AU_UNKNOWN
