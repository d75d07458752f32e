"""SynthFace: mmfer's embedded, procedurally rendered dataset."""
import os.path as osp
from typing import Optional

from mmfer.registry import DATASETS
from .base_fer_dataset import BaseFERDataset


@DATASETS.register_module()
class SynthFaceDataset(BaseFERDataset):
    """SynthFace in its native layout (``--layout synthface``).

    Layout (written by ``tools/dataset_converters/make_synthface.py``)::

        data_root/
          rgb/<subject>/<index>.png       parsing/<subject>/<index>.png
          depth/<subject>/<index>.png     thermal/<subject>/<index>.png
          annotations/{train,val,all}.json
          meta.json

    Classes: SynthFace's 7 expressions in its label order (anger, disgust,
    fear, happiness, sadness, surprise, neutral), canonical names.

    Domains: ``domain`` (str) is ``'synthface'`` on every sample, as for
    every mmfer dataset. The *rendered* domain of a sample (a preset of
    ``generate_layout(..., domains=[...])``) is kept as ``domain_name``
    (str, e.g. ``'lab'``) and ``domain_label`` (int, its index in
    ``metainfo['domains']``; the annotation files store it as
    ``domain``). To treat renders as separate datasets (e.g. a
    leave-one-dataset-out toy), build one dataset per render with its own
    ``domain`` argument.

    Args:
        data_root (str): the dataset folder.
        split (str): ``'train'``, ``'val'`` or ``'all'``; train and val
            are subject-exclusive.
        auto_generate (dict, optional): if the annotations are absent,
            render the dataset first with these keyword arguments of
            :func:`mmfer.datasets.synthface.generate_layout` (e.g.
            ``dict(subjects=12, samples=120, seed=0, size=64)``). Rendering
            is deterministic and cached; concurrent processes (distributed
            ranks) produce the same files. None means "must exist".
        **kwargs: see :class:`BaseFERDataset`.
    """

    SPLITS = ('train', 'val', 'all')
    DOMAIN = 'synthface'
    LAYOUT = 'synthface'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 auto_generate: Optional[dict] = None,
                 **kwargs):
        if split not in self.SPLITS:
            raise ValueError(
                f'split must be one of {self.SPLITS}, got {split!r}')
        ann_file = osp.join('annotations', f'{split}.json')
        self._prepare_data(data_root, ann_file, auto_generate)
        self.split = split
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Paths made absolute; the rendered domain id becomes
        ``domain_label`` (``domain`` is the dataset name)."""
        info = super().parse_data_info(raw_data_info)
        if 'domain' in info:
            info['domain_label'] = int(info.pop('domain'))
        return info
