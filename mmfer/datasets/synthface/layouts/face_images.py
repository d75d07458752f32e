"""Shared machinery of the still-image FER layouts (RAF-DB, AffectNet, FER+,
SFEW, ExpW, JAFFE).

Each of these databases is "one face image, one expression label"; what
differs is the file format and the look of the database. A writer subclass
sets :attr:`FaceImageLayout.classes` (the database's published label order
in SynthFace expression names) and :attr:`FaceImageLayout.look` (a domain
dict of :mod:`..domains`, the database's pose / light / camera style), and
writes its own files. This module renders the faces:

- :meth:`FaceImageLayout.face` renders one aligned face (S, S, 3) in the
  database's look (grey databases give three equal channels);
- :meth:`FaceImageLayout.scene` composites one or more faces into a larger
  "whole image" with the look's background and returns each face's box
  ``(x0, y0, x1, y1)`` (the slice ``img[y0:y1, x0:x1]``, as
  ``mmfer.datasets.face.boxes``), for the layouts whose files hold whole
  images plus a face box (AffectNet, ExpW, RAF-DB's ``original`` folder).
"""
import numpy as np

from ..domains import resolve_domain, sample_view
from ..expressions import sample_expression
from ..identity import sample_subject
from ..seeding import STREAM_SAMPLE, make_rng
from ..sensor import background, degrade_rgb
from .base import LayoutWriter

#: Identity index offset of the extra (non-subject) faces of whole images.
EXTRA_IDENTITY_OFFSET = 100000


def to_grey(rgb):
    """ITU-R BT.601 luma of an RGB uint8 image -> (H, W) uint8."""
    y = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(np.rint(y), 0, 255).astype(np.uint8)


class FaceImageLayout(LayoutWriter):
    """Base of the still-image FER layouts.

    Class attributes:
        classes (tuple[str]): SynthFace expression names in the database's
            published label order (label ``k`` renders ``classes[k]``).
        look (dict): the database's domain (keys of
            :data:`..domains.DOMAIN_DEFAULTS`, optionally ``base``).
        grey (bool): the database is grey-scale.
    """
    classes = ()
    look = {}
    grey = False

    def __init__(self, args):
        super().__init__(args)
        resolve_domain(self.look)  # a bad look fails at once

    def rng(self, index, j):
        """The generator of sample ``j`` of subject ``index``."""
        return make_rng(self.args['seed'], STREAM_SAMPLE, index, j)

    def sample_label(self, rng):
        """A uniform label index into :attr:`classes`."""
        return int(rng.integers(len(self.classes)))

    def face(self, subject, expression, rng):
        """Render one aligned face in the database's look.

        Args:
            subject (SubjectParams): identity.
            expression (str): a SynthFace expression name.
            rng (np.random.Generator): randomness of the sample.

        Returns:
            dict: ``rgb`` (S, S, 3) uint8 (grey databases: equal channels),
            ``parsing`` (S, S), ``landmarks`` (48, 2), ``arousal``.
        """
        au, arousal = sample_expression(expression, rng)
        out = self.renderer.render(subject, au, self.look, rng,
                                   arousal=arousal, modalities=('rgb', ))
        if self.grey:
            out['rgb'] = np.repeat(to_grey(out['rgb'])[..., None], 3, -1)
        return out

    def scene(self, faces, rng, canvas=None, face_scale=(0.45, 0.7)):
        """Composite faces into a whole image with the look's background.

        Every face is rendered without sensor noise, pasted through its
        parsing mask (no square patch) at a random free position and scale,
        and the camera degradations of the look are applied once to the
        whole image.

        Args:
            faces (list[tuple]): ``(subject, expression)`` per face.
            rng (np.random.Generator): randomness.
            canvas (int, optional): image side; default ``2 * size``.
            face_scale (tuple): face side range as a fraction of the
                canvas side.

        Returns:
            tuple: ``(rgb (C, C, 3) uint8, faces)``; ``faces[i]`` is a dict
            of face ``i``: ``box`` the integer ``(x0, y0, x1, y1)``, the
            bounding box of its 48 landmarks grown by 10% of its side on
            each side, clipped to the image, and ``landmarks`` (48, 2)
            image pixel (x, y).
        """
        S = int(canvas or 2 * self.args['size'])
        view = sample_view(self.look, rng)
        img = background(view, S).copy()                       # (S, S, 3)
        placed, taken = [], []
        for subject, expression in faces:
            side = int(round(S * rng.uniform(*face_scale)))
            side = max(32, min(side, S))
            x0, y0 = self._free_spot(S, side, taken, rng)
            taken.append((x0, y0, x0 + side, y0 + side))
            au, arousal = sample_expression(expression, rng)
            out = type(self.renderer)(side).render(
                subject, au, self.look, rng, arousal=arousal, noise=False,
                modalities=('rgb', ))
            mask = (out['parsing'] != 0)[..., None]           # (s, s, 1)
            patch = img[y0:y0 + side, x0:x0 + side]
            img[y0:y0 + side, x0:x0 + side] = np.where(mask, out['rgb'],
                                                       patch)
            lm = out['landmarks'] + (x0, y0)                    # (48, 2)
            lo, hi = lm.min(0), lm.max(0)
            pad = 0.1 * side
            box = (int(max(0, np.floor(lo[0] - pad))),
                   int(max(0, np.floor(lo[1] - pad))),
                   int(min(S, np.ceil(hi[0] + pad))),
                   int(min(S, np.ceil(hi[1] + pad))))
            placed.append(dict(box=box, landmarks=lm))
        noise_rng = np.random.default_rng(view['noise_seed'])
        rgb = degrade_rgb(img.astype(np.float32), view, noise_rng)
        if self.grey:
            rgb = np.repeat(to_grey(rgb)[..., None], 3, -1)
        return rgb, placed

    @staticmethod
    def _free_spot(S, side, taken, rng, tries=20):
        """Top-left corner of a ``side`` square overlapping no taken box
        (the last try is accepted if none is free)."""
        for _ in range(tries):
            x0, y0 = (int(v) for v in rng.integers(0, S - side + 1, size=2))
            if all(x0 >= b[2] or x0 + side <= b[0] or y0 >= b[3]
                   or y0 + side <= b[1] for b in taken):
                break
        return x0, y0

    def extra_identity(self, index, k):
        """Identity of the ``k``-th extra face of subject ``index``'s
        images (a stranger: nobody's subject)."""
        return sample_subject(self.args['seed'],
                              EXTRA_IDENTITY_OFFSET + 16 * index + k)


def sample_number(index, j, samples):
    """Global 0-based number of sample ``j`` of subject ``index``."""
    return index * samples + j


__all__ = ['FaceImageLayout', 'to_grey', 'sample_number']
