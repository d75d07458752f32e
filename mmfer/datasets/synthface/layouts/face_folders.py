"""Unlabelled face-folder layouts: CelebA, FFHQ, CASIA-WebFace.

EMPD's pre-training sources (see ``DATASETS.md``, last lines)::

    celeba:         DIR/img_align_celeba/{n:06d}.jpg        n = 1, 2, ...
                    DIR/list_eval_partition.txt            <file> <0|1|2>
    ffhq:           DIR/images1024x1024/{n // 1000 * 1000:05d}/{n:05d}.png
                    DIR/LICENSE.txt                        (not an image)
    casia_webface:  DIR/{id:07d}/{j + 1:03d}.jpg           DIR/names.txt

No expression labels are written (the faces still show random expressions
so the images vary). Each layout renders with its own look
(:data:`FACE_FOLDER_DOMAINS`): CelebA in-the-wild crops, FFHQ clean
high-quality portraits, CASIA-WebFace low-resolution web JPEGs, so that
the three are distinct domains. CelebA's partition is subject-exclusive
(the last ``val_ratio`` / ``test_ratio`` of the subjects); FFHQ's names
follow its numbering (0-59,999 are its train split).
"""
import math

from ..constants import EXPRESSIONS
from ..expressions import sample_expression
from ..seeding import STREAM_SAMPLE, make_rng
from .base import LayoutWriter
from .io import write_lines, write_rgb

#: The look of each source: SynthFace domain dicts (see ``domains.py``).
FACE_FOLDER_DOMAINS = dict(
    celeba=dict(yaw=20.0, pitch=10.0, roll=8.0, scale=(0.9, 1.05),
                shift=0.04, light_azimuth=(-60.0, 60.0),
                light_elevation=(20.0, 70.0), light_intensity=(0.6, 1.0),
                ambient=(0.25, 0.45), color_gain=0.12, blur=(0.0, 0.8),
                gauss_noise=(1.0, 4.0), jpeg_quality=(70, 90),
                background='clutter', background_level=(60.0, 190.0)),
    ffhq=dict(yaw=12.0, pitch=8.0, roll=4.0, scale=(0.95, 1.02),
              shift=0.02, light_azimuth=(-30.0, 30.0),
              light_elevation=(45.0, 70.0), light_intensity=(0.85, 1.0),
              ambient=(0.35, 0.5), color_gain=0.05, blur=(0.0, 0.2),
              background='gradient', background_level=(120.0, 200.0)),
    casia_webface=dict(yaw=25.0, pitch=12.0, roll=10.0, scale=(0.85, 1.0),
                       shift=0.06, light_azimuth=(-70.0, 70.0),
                       light_elevation=(15.0, 60.0),
                       light_intensity=(0.5, 0.9), ambient=(0.2, 0.4),
                       color_gain=0.18, blur=(0.3, 1.2),
                       gauss_noise=(3.0, 7.0), jpeg_quality=(35, 65),
                       lowres=(0.4, 0.6), background='clutter',
                       background_level=(40.0, 170.0)),
)


class FaceFolderLayout(LayoutWriter):
    """Common writer: ``samples`` random-expression images per subject.

    Args (via ``generate_layout``): ``subjects``, ``samples``, ``size``,
    ``seed`` and ``domain`` (None = the layout's look in
    :data:`FACE_FOLDER_DOMAINS`; or a preset name / dict).
    """
    name = None
    defaults = dict(subjects=3, samples=3, size=64, seed=0, domain=None)

    def render_face(self, index, sid, j):
        """(size, size, 3) uint8 RGB face of sample ``j`` of a subject."""
        a = self.args
        rng = make_rng(a['seed'], STREAM_SAMPLE, index, j)
        expr = EXPRESSIONS[int(rng.integers(len(EXPRESSIONS)))]
        au, arousal = sample_expression(expr, rng)
        domain = a['domain'] or FACE_FOLDER_DOMAINS[self.name]
        return self.renderer.render(self.subject(index, sid), au, domain,
                                    rng, arousal=arousal,
                                    modalities=('rgb', ))['rgb']


class CelebALayout(FaceFolderLayout):
    """``--layout celeba`` (extra args ``val_ratio``, ``test_ratio``)."""
    name = 'celeba'
    defaults = dict(FaceFolderLayout.defaults, val_ratio=0.25,
                    test_ratio=0.25)

    def write_subject(self, root, index, sid):
        n = self.args['samples']
        names = []
        for j in range(n):
            name = f'{index * n + j + 1:06d}.jpg'
            write_rgb(root / 'img_align_celeba' / name,
                      self.render_face(index, sid, j))
            names.append(name)
        return names

    def finalize(self, root, results):
        a, n = self.args, len(results)
        n_test = math.ceil(a['test_ratio'] * n) if n >= 3 else 0
        n_val = math.ceil(a['val_ratio'] * n) if n >= 3 else 0
        codes = [0] * (n - n_val - n_test) + [1] * n_val + [2] * n_test
        write_lines(root / 'list_eval_partition.txt',
                    [f'{name} {code}' for names, code in zip(results, codes)
                     for name in names])
        return dict(partition_codes=codes)


class FFHQLayout(FaceFolderLayout):
    """``--layout ffhq`` (extra arg ``folder``: ``images1024x1024`` or
    ``thumbnails128x128``; the name stays whatever ``size`` is)."""
    name = 'ffhq'
    defaults = dict(FaceFolderLayout.defaults, folder='images1024x1024')

    def __init__(self, args):
        super().__init__(args)
        if args['folder'] not in ('images1024x1024', 'thumbnails128x128'):
            raise ValueError("folder must be 'images1024x1024' or "
                             f"'thumbnails128x128', got {args['folder']!r}")

    def write_subject(self, root, index, sid):
        n = self.args['samples']
        for j in range(n):
            k = index * n + j
            write_rgb(root / self.args['folder'] / f'{k // 1000 * 1000:05d}' /
                      f'{k:05d}.png', self.render_face(index, sid, j))
        return []

    def finalize(self, root, results):
        write_lines(root / 'LICENSE.txt',
                    ['SynthFace rendering in the FFHQ layout (no licence '
                     'terms; this file mimics the real archive).'])
        return {}


class CASIAWebFaceLayout(FaceFolderLayout):
    """``--layout casia_webface``."""
    name = 'casia_webface'

    def subject_ids(self, n):
        return [f'{i * 37 + 45:07d}' for i in range(n)]

    def write_subject(self, root, index, sid):
        for j in range(self.args['samples']):
            write_rgb(root / sid / f'{j + 1:03d}.jpg',
                      self.render_face(index, sid, j))
        return [sid]

    def finalize(self, root, results):
        write_lines(root / 'names.txt',
                    [f'{recs[0]} synthface_{recs[0]}' for recs in results])
        return {}
