"""The face modalities mmfer knows: one table for datasets and models.

Each entry says how many channels a modality contributes to the stacked
(H, W, C) input, which annotation key holds its file, how that file is
encoded (:mod:`mmfer.structures.codecs`), how it may be resampled, and,
for a modality computed from another one (gray from RGB; LBP, HOG and
Gabor maps from gray, see :mod:`mmfer.datasets.transforms.texture`),
which one it is derived from. Datasets
(``modalities=`` of :class:`mmfer.datasets.BaseFERDataset` and the AU
datasets), the loader :class:`mmfer.datasets.transforms.LoadFaceModalities`
and the models (e.g. :class:`mmfer.models.selfsup.MCM`, which splits its
input into per-modality channel groups) all read this table.

A derived modality has no file of its own: it is computed from the file
of the modality it derives from, so :func:`path_key` follows
``derived_from`` down to a stored modality.

Examples:
    >>> modality_channels(('rgb', 'depth', 'thermal'))
    5
    >>> channel_slices(('rgb', 'depth'))
    {'rgb': slice(0, 3, None), 'depth': slice(3, 4, None)}
    >>> path_key('lbp'), source_modality('lbp')
    ('img_path', 'rgb')
"""
from dataclasses import dataclass
from types import MappingProxyType
from typing import Dict, Mapping, Optional, Sequence, Tuple

from .codecs import CODECS


@dataclass(frozen=True)
class Modality:
    """One row of the modality table.

    Args:
        name (str): the name used in configs (``modalities=(...)``).
        channels (int): channels it adds to the stacked image.
        channel_names (tuple[str]): one short name per channel (as in the
            ``channel_names`` key the loader adds).
        codec (str): file encoding, a key of
            :data:`mmfer.structures.codecs.CODECS`. For a derived modality,
            the encoding of its values once computed.
        path_key (str, optional): annotation key of its file; None for a
            derived modality (see :func:`path_key`).
        derived_from (str, optional): the modality it is computed from.
        interpolation (str): how to resample it: ``'bilinear'`` for
            intensities, ``'nearest'`` for maps whose values must not be
            mixed (depth with its background code, parsing class ids).
        description (str): one line for error messages and docs.
    """
    name: str
    channels: int
    channel_names: Tuple[str, ...]
    codec: str
    path_key: Optional[str] = None
    derived_from: Optional[str] = None
    interpolation: str = 'bilinear'
    description: str = ''

    def __post_init__(self):
        if len(self.channel_names) != self.channels:
            raise ValueError(f'Modality {self.name!r}: {self.channels} '
                             f'channels but names {self.channel_names}')
        if (self.path_key is None) == (self.derived_from is None):
            raise ValueError(f'Modality {self.name!r} needs exactly one of '
                             'path_key (stored) and derived_from (computed)')
        if self.codec not in CODECS:
            raise ValueError(f'Modality {self.name!r}: unknown codec '
                             f'{self.codec!r}; valid: {sorted(CODECS)}')
        if self.interpolation not in ('bilinear', 'nearest'):
            raise ValueError(f'Modality {self.name!r}: interpolation must '
                             "be 'bilinear' or 'nearest'")

    @property
    def is_derived(self) -> bool:
        """Whether it is computed from another modality (has no file)."""
        return self.derived_from is not None


_TABLE = (
    Modality('rgb', 3, ('R', 'G', 'B'), 'image_u8', path_key='img_path',
             description='colour image, RGB channel order in memory'),
    Modality('gray', 1, ('Y', ), 'image_u8', derived_from='rgb',
             description='luminance of the colour image'),
    Modality('lbp', 1, ('L', ), 'image_u8', derived_from='gray',
             interpolation='nearest',
             description='local binary pattern codes of the gray image '
             '(bit patterns: never blended)'),
    Modality('hog', 1, ('H', ), 'image_u8', derived_from='gray',
             description='HOG map of the gray image: magnitude of the '
             'dominant gradient orientation around each pixel'),
    Modality('gabor', 1, ('B', ), 'image_u8', derived_from='gray',
             description='Gabor map of the gray image: largest response '
             'energy over a bank of orientations and scales'),
    Modality('depth', 1, ('D', ), 'depth_u16', path_key='depth_path',
             interpolation='nearest',
             description='depth map, 0.1 mm units, nearest point brightest '
             'once loaded'),
    Modality('thermal', 1, ('T', ), 'thermal_u16', path_key='thermal_path',
             description='thermal map, centi-degrees Celsius'),
    Modality('parsing', 1, ('P', ), 'label_u8', path_key='parsing_path',
             interpolation='nearest',
             description='face-parsing class ids'),
)

#: name -> :class:`Modality`, in table order (read-only).
MODALITIES: Mapping[str, Modality] = MappingProxyType(
    {m.name: m
     for m in _TABLE})
#: name -> channels (read-only view of the table).
MODALITY_CHANNELS: Mapping[str, int] = MappingProxyType(
    {m.name: m.channels
     for m in _TABLE})
#: The distinct annotation keys of stored modalities, in table order.
PATH_KEYS: Tuple[str, ...] = tuple(m.path_key for m in _TABLE
                                   if m.path_key is not None)


def get_modality(name: str) -> Modality:
    """The table row of ``name``.

    Raises:
        ValueError: for an unknown name, listing the valid ones.
    """
    try:
        return MODALITIES[name]
    except (KeyError, TypeError):
        raise ValueError(f'Unknown modality {name!r}; valid modalities are '
                         f'{list(MODALITIES)}.') from None


def check_modalities(names: Sequence[str],
                     owner: str = 'modalities') -> Tuple[str, ...]:
    """Validate a ``modalities=`` argument; returns it as a tuple.

    Args:
        names (Sequence[str]): modality names, in channel order.
        owner (str): who asks, for the error message (e.g. ``'MCM'``).

    Raises:
        ValueError: if ``names`` is empty or a single string, repeats a
            name, or holds an unknown one (the message lists valid names).
    """
    if isinstance(names, str):
        raise ValueError(f'{owner}: modalities must be a sequence of names, '
                         f'e.g. ({names!r},), not the string {names!r}.')
    names = tuple(names)
    unknown = [m for m in names if m not in MODALITIES]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(f'{owner}: modalities must be distinct names from '
                         f'{list(MODALITIES)}, got {names}.')
    return names


def modality_channels(names: Sequence[str]) -> int:
    """Total channels of ``names`` stacked in this order."""
    return sum(get_modality(m).channels for m in names)


def channel_slices(names: Sequence[str]) -> Dict[str, slice]:
    """Channel range of every modality in the stacked (.., C, ..) input."""
    slices, start = {}, 0
    for m in check_modalities(names):
        c = MODALITIES[m].channels
        slices[m] = slice(start, start + c)
        start += c
    return slices


def channel_names(names: Sequence[str]) -> Tuple[str, ...]:
    """Per-channel names of ``names`` stacked in this order."""
    return tuple(c for m in names for c in get_modality(m).channel_names)


def split_channels(img, names: Sequence[str],
                   owner: str = 'img') -> Dict[str, object]:
    """Split a stacked (..., C) array into its modalities' channel groups.

    Args:
        img (np.ndarray): (H, W, C) (or any (..., C)) stack of ``names``.
        names (Sequence[str]): its modalities, in channel order.
        owner (str): who asks, for the error message.

    Returns:
        dict: modality -> (..., c) view of ``img`` (channels kept, even c=1).

    Raises:
        ValueError: if C differs from the channels ``names`` stack to.
    """
    slices = channel_slices(names)
    want = modality_channels(names)
    if img.ndim < 3 or img.shape[-1] != want:
        raise ValueError(
            f'{owner}: img of shape {tuple(img.shape)} should have {want} '
            f'channels for modalities {tuple(names)} '
            f'({channel_names(names)}); the pipeline changed the image '
            'without updating results["modalities"] (e.g. depth_as_rgb=True '
            'or a transform that does not know modalities).')
    return {m: img[..., s] for m, s in slices.items()}


def source_modality(name: str) -> str:
    """The stored modality ``name`` is computed from (itself if stored)."""
    m = get_modality(name)
    while m.derived_from is not None:
        m = MODALITIES[m.derived_from]
    return m.name


def loaded_modalities_note(data_samples, channels: bool = False) -> str:
    """What the pipeline loaded, for an error about a batch's channels.

    Args:
        data_samples (Sequence | None): the batch's data samples; their
            metainfo holds ``modalities`` (and ``channel_names``) when
            ``LoadFaceModalities`` loaded them.
        channels (bool): also name the channels.

    Returns:
        str: ``"the pipeline loaded modalities ('rgb', 'depth')"`` (``" =
        channels (...)"`` appended with ``channels``), or ``''`` when the
        samples do not say.
    """
    meta = data_samples[0].metainfo if data_samples else {}
    if meta.get('modalities') is None:
        return ''
    note = f'the pipeline loaded modalities {tuple(meta["modalities"])}'
    if channels and meta.get('channel_names') is not None:
        note += f' = channels {tuple(meta["channel_names"])}'
    return note


def path_key(name: str) -> str:
    """Annotation key of the file ``name`` is read or computed from."""
    return MODALITIES[source_modality(name)].path_key


def _check_table() -> None:
    """Every ``derived_from`` names an earlier row (no cycles)."""
    seen = set()
    for m in _TABLE:
        if m.derived_from is not None and m.derived_from not in seen:
            raise ValueError(f'Modality {m.name!r} derives from '
                             f'{m.derived_from!r}, which is not listed '
                             'before it.')
        seen.add(m.name)


_check_table()
