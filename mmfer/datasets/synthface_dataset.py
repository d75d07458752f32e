"""SynthFace: mmfer's embedded, procedurally rendered dataset."""
import os.path as osp
from typing import Optional

from mmengine.dist import get_dist_info

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

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 auto_generate: Optional[dict] = None,
                 **kwargs):
        if split not in self.SPLITS:
            raise ValueError(
                f'split must be one of {self.SPLITS}, got {split!r}')
        ann_file = osp.join('annotations', f'{split}.json')
        if not osp.isfile(osp.join(data_root, ann_file)):
            if auto_generate is None:
                raise FileNotFoundError(
                    f'SynthFace annotations not found: '
                    f'{osp.join(data_root, ann_file)}. Generate the data with '
                    'python tools/dataset_converters/make_synthface.py '
                    f'--layout synthface --out {data_root}, or set '
                    'auto_generate=dict(...) in the dataset config.')
            from .synthface import generate_layout
            rank, _ = get_dist_info()
            print(f'[rank {rank}] SynthFace: rendering {data_root} '
                  f'({auto_generate}) ...', flush=True)
            generate_layout('synthface', data_root, **auto_generate)
        self.split = split
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)
