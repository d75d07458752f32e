"""Face-parsing vocabularies and EMPD's expression-related class set.

One source of truth for the class orders of the parsing maps mmfer reads
(``data_sample.gt_parsing`` holds the class id of every pixel) and for
EMPD's set of expression-related facial attributes (Li et al.,
"Expression-aware masking and progressive decoupling for cross-database
facial expression recognition", Sec. III-A, Eq. 5):
:math:`S_{exp} = \\{nose, eye, brow, mouth, lip, skin\\}`.

Vocabularies (by name):

- ``'synthface'``: SynthFace's renders, :data:`SYNTHFACE_PARSING_CLASSES`
  (``left``/``right`` from the viewer's side);
- ``'celebamask_hq'``: the merged CelebAMask-HQ map in the official merge
  order, :data:`CELEBAMASK_HQ_CLASSES` (0 = background, part ``k`` of
  :data:`CELEBAMASK_HQ_PARTS` is id ``k + 1``).

Each named vocabulary maps EMPD's six groups to its own class names
(:data:`EXPRESSION_GROUPS`). For CelebAMask-HQ: ``eye -> l_eye, r_eye``
(``eye_g``, eyeglasses, is *not* included: it is an accessory, and where it
is drawn it covers the eye region of the other classes), ``brow -> l_brow,
r_brow``, ``mouth -> mouth`` (the inner mouth), ``lip -> u_lip, l_lip``,
``skin -> skin``, ``nose -> nose``; ears, hair, hat, earrings, necklace,
neck and cloth are in no group.

Plain Python data and functions: importing this module needs nothing but
the standard library.
"""
from typing import Dict, Mapping, Sequence, Tuple, Union

#: SynthFace's face-parsing classes; the label map stores the index.
SYNTHFACE_PARSING_CLASSES = ('background', 'skin', 'left_brow', 'right_brow',
                             'left_eye', 'right_eye', 'nose', 'upper_lip',
                             'lower_lip', 'inner_mouth', 'hair', 'glasses')

#: CelebAMask-HQ's parts in the official merge order (a later part
#: overwrites an earlier one); part ``k`` of this list gets id ``k + 1``.
CELEBAMASK_HQ_PARTS = ('skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow',
                       'r_brow', 'l_ear', 'r_ear', 'mouth', 'u_lip', 'l_lip',
                       'hair', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth')
#: The class names of the merged CelebAMask-HQ map (0 = background).
CELEBAMASK_HQ_CLASSES = ('background', ) + CELEBAMASK_HQ_PARTS

#: Vocabulary name -> class names in id order.
PARSING_VOCABULARIES: Dict[str, Tuple[str, ...]] = {
    'synthface': SYNTHFACE_PARSING_CLASSES,
    'celebamask_hq': CELEBAMASK_HQ_CLASSES,
}

#: EMPD's S_exp groups (Eq. 5), in the paper's order.
ESGM_GROUP_NAMES = ('nose', 'eye', 'brow', 'mouth', 'lip', 'skin')

#: Vocabulary name -> {ESGM group -> the classes it merges}.
EXPRESSION_GROUPS: Dict[str, Dict[str, Tuple[str, ...]]] = {
    'synthface': {
        'nose': ('nose', ),
        'eye': ('left_eye', 'right_eye'),
        'brow': ('left_brow', 'right_brow'),
        'mouth': ('inner_mouth', ),
        'lip': ('upper_lip', 'lower_lip'),
        'skin': ('skin', ),
    },
    'celebamask_hq': {
        'nose': ('nose', ),
        'eye': ('l_eye', 'r_eye'),  # eye_g (eyeglasses) not included
        'brow': ('l_brow', 'r_brow'),
        'mouth': ('mouth', ),
        'lip': ('u_lip', 'l_lip'),
        'skin': ('skin', ),
    },
}

Vocabulary = Union[str, Sequence[str]]


def parsing_classes(vocabulary: Vocabulary) -> Tuple[str, ...]:
    """The class names of a vocabulary, in id order.

    Args:
        vocabulary (str | Sequence[str]): a name of
            :data:`PARSING_VOCABULARIES` or the class names themselves.

    Examples:
        >>> parsing_classes('celebamask_hq')[:3]
        ('background', 'skin', 'nose')
    """
    if isinstance(vocabulary, str):
        if vocabulary not in PARSING_VOCABULARIES:
            raise ValueError(
                f'Unknown parsing vocabulary {vocabulary!r}; use one of '
                f'{sorted(PARSING_VOCABULARIES)} or pass the class names '
                'in id order.')
        return PARSING_VOCABULARIES[vocabulary]
    classes = tuple(vocabulary)
    if not classes or len(set(classes)) != len(classes) or not all(
            isinstance(c, str) for c in classes):
        raise ValueError('A parsing vocabulary must be distinct class-name '
                         f'strings in id order, got {vocabulary!r}.')
    if len(classes) > 255:
        raise ValueError(f'{len(classes)} parsing classes; ids are uint8 '
                         'and 255 marks padding, so at most 255 classes.')
    return classes


def _group_table(classes: Tuple[str, ...]) -> Dict[str, Tuple[str, ...]]:
    for name, known in PARSING_VOCABULARIES.items():
        if classes == known:
            return EXPRESSION_GROUPS[name]
    return {}


def expression_indicator_classes(
    vocabulary: Vocabulary,
    groups: Union[Sequence[str], Mapping[str,
                                         Sequence[str]]] = (ESGM_GROUP_NAMES)
) -> Tuple[int, ...]:
    """Class ids of EMPD's expression-related set S_exp (Eq. 5).

    A pixel belongs to the indicator map ``M_exp`` iff its parsing class
    id is in the returned tuple.

    Args:
        vocabulary (str | Sequence[str]): ``'synthface'``,
            ``'celebamask_hq'`` or the class names in id order (a list equal
            to a named vocabulary uses that vocabulary's groups).
        groups (Sequence[str] | Mapping[str, Sequence[str]]): the groups
            of S_exp. A sequence names groups of the vocabulary's table
            (:data:`EXPRESSION_GROUPS`) or, for a custom vocabulary, class
            names; a mapping gives each group's class names explicitly.
            Defaults to EMPD's ``('nose', 'eye', 'brow', 'mouth', 'lip',
            'skin')``.

    Returns:
        tuple[int]: sorted class ids.

    Examples:
        >>> expression_indicator_classes('synthface')
        (1, 2, 3, 4, 5, 6, 7, 8, 9)
        >>> expression_indicator_classes('celebamask_hq')
        (1, 2, 4, 5, 6, 7, 10, 11, 12)
        >>> expression_indicator_classes('celebamask_hq', ('eye', 'mouth'))
        (4, 5, 10)
    """
    classes = parsing_classes(vocabulary)
    index = {c: i for i, c in enumerate(classes)}
    if isinstance(groups, Mapping):
        table = {g: tuple(v) for g, v in groups.items()}
        names = list(table)
    else:
        table = _group_table(classes)
        names = [groups] if isinstance(groups, str) else list(groups)
    if not names:
        raise ValueError('expression_indicator_classes: groups is empty; '
                         f'EMPD uses {ESGM_GROUP_NAMES}.')
    ids = set()
    for g in names:
        members = table.get(g, (g, ) if g in index else None)
        if members is None:
            known = sorted(table) or 'none: a custom vocabulary'
            raise ValueError(
                f'Expression group {g!r} is neither a group of this '
                f'vocabulary ({known}) nor one of its classes {classes}; '
                'pass groups as a dict, e.g. '
                "{'eye': ('left_eye', 'right_eye')}.")
        unknown = [c for c in members if c not in index]
        if unknown:
            raise ValueError(f'Expression group {g!r}: classes {unknown} '
                             f'are not in the vocabulary {classes}.')
        ids.update(index[c] for c in members)
    return tuple(sorted(ids))
