"""CelebAMask-HQ layout (see ``DATASETS.md``, "CelebAMask-HQ").

::

    DIR/CelebA-HQ-img/{k}.jpg                             size x size
    DIR/CelebAMask-HQ-mask-anno/{k // 2000}/{k:05d}_{part}.png
                                   mask_size x mask_size, 3-channel
                                   white-on-black; no file = absent part
    DIR/CelebA-HQ-to-CelebA-mapping.txt       idx orig_idx orig_file

As in the real archive the masks are smaller than the images (default
``mask_size = size // 2``; real: 512 vs 1024), and a part the face does not
show has no file. SynthFace's parsing classes map to parts by name
(:data:`PART_OF_CLASS`); ``skin`` covers the whole face under the other
face parts (as CelebAMask-HQ's skin mask does), so merging the part files
in the official order (``LoadParsingMap``) gives back the rendered map.
The ``orig_idx`` of the mapping file put the subject-exclusive train /
val / test subjects (the last ``val_ratio`` / ``test_ratio`` of them) into
CelebA's partitions (< 162771 train, < 182638 val, else test).
"""
import math

import cv2
import numpy as np

from ..constants import EXPRESSIONS, PARSING_INDEX
from ..expressions import sample_expression
from ..seeding import STREAM_SAMPLE, make_rng
from .base import LayoutWriter
from .io import write_lines, write_png, write_rgb

#: SynthFace parsing class -> CelebAMask-HQ part (classes not listed,
#: background, have no part).
PART_OF_CLASS = {
    'nose': 'nose', 'left_eye': 'l_eye', 'right_eye': 'r_eye',
    'left_brow': 'l_brow', 'right_brow': 'r_brow', 'upper_lip': 'u_lip',
    'lower_lip': 'l_lip', 'inner_mouth': 'mouth', 'hair': 'hair',
    'glasses': 'eye_g'
}
#: Classes whose pixels the ``skin`` mask also covers (the face region).
SKIN_CLASSES = ('skin', 'nose', 'left_eye', 'right_eye', 'left_brow',
                'right_brow', 'upper_lip', 'lower_lip', 'inner_mouth',
                'glasses')
#: First CelebA index of each partition (the mapping's ``orig_idx``).
PARTITION_START = dict(train=0, val=162771, test=182638)


def part_masks(parsing, mask_size):
    """CelebAMask-HQ part masks of a SynthFace parsing map.

    Args:
        parsing (np.ndarray): (S, S) uint8 ``PARSING_CLASSES`` ids.
        mask_size (int): side of the masks (nearest-neighbour resize).

    Returns:
        dict[str, np.ndarray]: part -> (mask_size, mask_size) bool mask,
        only the parts with at least one pixel.
    """
    lab = cv2.resize(parsing, (mask_size, mask_size),
                     interpolation=cv2.INTER_NEAREST)
    masks = {'skin': np.isin(lab, [PARSING_INDEX[c] for c in SKIN_CLASSES])}
    for cls, part in PART_OF_CLASS.items():
        masks[part] = lab == PARSING_INDEX[cls]
    return {p: m for p, m in masks.items() if m.any()}


class CelebAMaskHQLayout(LayoutWriter):
    """``--layout celebamask_hq``.

    Args (via ``generate_layout``): ``subjects``, ``samples`` (images per
    subject), ``size`` (image side), ``mask_size`` (mask side; None =
    ``size // 2``), ``seed``, ``domain`` (preset name or dict), and
    ``val_ratio`` / ``test_ratio`` (fractions of subjects, from the end).
    """
    name = 'celebamask_hq'
    defaults = dict(subjects=4, samples=3, size=64, mask_size=None, seed=0,
                    domain='lab', val_ratio=0.25, test_ratio=0.25)

    def __init__(self, args):
        super().__init__(args)
        if args['mask_size'] is not None and not 8 <= args['mask_size'] <= \
                args['size']:
            raise ValueError(f"mask_size must be in [8, size={args['size']}]"
                             f", got {args['mask_size']}")
        if not (0 <= args['val_ratio'] and 0 <= args['test_ratio']
                and args['val_ratio'] + args['test_ratio'] < 1):
            raise ValueError('val_ratio and test_ratio must be >= 0 with a '
                             'sum below 1')

    def write_subject(self, root, index, sid):
        a = self.args
        mask_size = a['mask_size'] or a['size'] // 2
        records = []
        for j in range(a['samples']):
            k = index * a['samples'] + j
            rng = make_rng(a['seed'], STREAM_SAMPLE, index, j)
            expr = EXPRESSIONS[int(rng.integers(len(EXPRESSIONS)))]
            au, arousal = sample_expression(expr, rng)
            out = self.renderer.render(self.subject(index, sid), au,
                                       a['domain'], rng, arousal=arousal,
                                       modalities=('rgb', 'parsing'))
            write_rgb(root / 'CelebA-HQ-img' / f'{k}.jpg', out['rgb'])
            folder = root / 'CelebAMask-HQ-mask-anno' / str(k // 2000)
            for part, mask in part_masks(out['parsing'], mask_size).items():
                white = np.repeat(mask[..., None], 3, axis=2) * np.uint8(255)
                write_png(folder / f'{k:05d}_{part}.png', white)
            records.append(dict(idx=k, subject=sid))
        return records

    def _partition(self, n):
        """Partition name of each of ``n`` subjects."""
        a = self.args
        n_test = math.ceil(a['test_ratio'] * n) if n >= 3 else 0
        n_val = math.ceil(a['val_ratio'] * n) if n >= 3 else 0
        n_train = max(n - n_val - n_test, 1)
        return (['train'] * n_train + ['val'] * n_val +
                ['test'] * (n - n_train - n_val))[:n]

    def finalize(self, root, results):
        parts = self._partition(len(results))
        count = dict(train=0, val=0, test=0)
        lines = ['idx orig_idx orig_file']
        for recs, part in zip(results, parts):
            for r in recs:
                orig = PARTITION_START[part] + count[part]
                count[part] += 1
                lines.append(f"{r['idx']} {orig} {orig + 1:06d}.jpg")
        write_lines(root / 'CelebA-HQ-to-CelebA-mapping.txt', lines)
        return dict(partition={
            p: [recs[0]['subject'] for recs, q in zip(results, parts)
                if q == p and recs] for p in count})
