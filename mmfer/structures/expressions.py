"""One expression vocabulary for every mmfer dataset and model.

Datasets publish their classes in different orders and spellings (DFEW's
label 1 is "Happy", FER2013's 0 is "Angry", MAFW's split files say
"happiness"). mmfer keeps each dataset's published index order for its
``gt_label`` (so indices match the official files and published
checkpoints) but names every class by one **canonical name**. Two datasets'
index spaces are then related by name, never by index, which is what
cross-database training (EMPD) and evaluating a model on another dataset
need.

- :data:`EXPRESSIONS`: the canonical names, in canonical order (AffectNet's
  eight classes, then MAFW's three compound ones).
- :data:`EXPRESSION_ALIASES`: other spellings (``'happy'``, ``'Angry'``,
  ``'surprised'``, the two-letter codes of BU-3DFE / JAFFE file names such
  as ``'HA'``), matched case-insensitively.
- :data:`DATASET_CLASSES`: each dataset's class order as canonical names.
- :func:`label_mapping` / :func:`map_labels`: index ``i`` of one dataset ->
  index of the same expression in another; a class the target lacks is an
  error or, on request, :data:`UNMAPPED` (-1).

Example:
    >>> canonical_expression('Happy')
    'happiness'
    >>> dataset_classes('dfew')[:3]
    ('happiness', 'sadness', 'neutral')
    >>> label_mapping('dfew', 'synthface')   # DFEW index -> SynthFace index
    [3, 4, 6, 0, 5, 1, 2]
    >>> map_labels([7, 0], 'mafw', 'dfew', missing='unmapped').tolist()
    [-1, 0]
"""
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

#: Canonical expression names in canonical order: AffectNet's 8 classes
#: (0 neutral ... 7 contempt), then MAFW's compound classes.
EXPRESSIONS: Tuple[str, ...] = ('neutral', 'happiness', 'sadness', 'surprise',
                                'fear', 'disgust', 'anger', 'contempt',
                                'anxiety', 'helplessness', 'disappointment')

#: The six basic expressions (Ekman), in canonical order.
BASIC_EXPRESSIONS: Tuple[str, ...] = ('happiness', 'sadness', 'surprise',
                                      'fear', 'disgust', 'anger')

#: Other spellings -> canonical name (keys lower case; lookup folds case).
#: Besides adjectives and nouns, the two-letter codes of the BU-3DFE
#: (``F0001_AN01WH``) and JAFFE (``KA.AN1.39``) file names.
EXPRESSION_ALIASES: Dict[str, str] = {
    # happiness
    'happy': 'happiness', 'ha': 'happiness',
    # sadness
    'sad': 'sadness', 'sa': 'sadness',
    # surprise
    'surprised': 'surprise', 'su': 'surprise',
    # fear
    'fearful': 'fear', 'fe': 'fear',
    # disgust
    'disgusted': 'disgust', 'di': 'disgust',
    # anger
    'angry': 'anger', 'an': 'anger',
    # contempt
    'contemptuous': 'contempt',
    # neutral
    'ne': 'neutral',
    # MAFW compound classes
    'anxious': 'anxiety', 'helpless': 'helplessness',
    'disappointed': 'disappointment',
}

#: Each dataset's class order (its published label ``k`` -> index ``k`` or
#: ``k - 1`` for 1-based files), in canonical names. Sources:
#: ../shared/DATASETS.md, the CK+ distribution README, each dataset class.
DATASET_CLASSES: Dict[str, Tuple[str, ...]] = {
    # SynthFace native layout (mmfer.datasets.synthface.EXPRESSIONS).
    'synthface': ('anger', 'disgust', 'fear', 'happiness', 'sadness',
                  'surprise', 'neutral'),
    # DFEW: 1 Happy, 2 Sad, 3 Neutral, 4 Angry, 5 Surprise, 6 Disgust, 7 Fear.
    'dfew': ('happiness', 'sadness', 'neutral', 'anger', 'surprise',
             'disgust', 'fear'),
    # MAFW in MMA-DFER's (DFER-CLIP's) order, used by MAFWDataset.
    'mafw': ('happiness', 'sadness', 'neutral', 'anger', 'surprise',
             'disgust', 'fear', 'contempt', 'anxiety', 'helplessness',
             'disappointment'),
    # MAFW in HiCMAE's / MAE-DFER's order (for their checkpoints).
    'mafw_hicmae': ('anger', 'disgust', 'fear', 'happiness', 'neutral',
                    'sadness', 'surprise', 'contempt', 'anxiety',
                    'helplessness', 'disappointment'),
    # RAF-DB basic: 1 Surprise ... 7 Neutral.
    'rafdb': ('surprise', 'fear', 'disgust', 'happiness', 'sadness', 'anger',
              'neutral'),
    # AffectNet: 0 Neutral ... 7 Contempt (8-10 None/Uncertain/Non-Face are
    # not expressions; loaders drop them).
    'affectnet': ('neutral', 'happiness', 'sadness', 'surprise', 'fear',
                  'disgust', 'anger', 'contempt'),
    # AffectNet-7: the same indices without contempt.
    'affectnet7': ('neutral', 'happiness', 'sadness', 'surprise', 'fear',
                   'disgust', 'anger'),
    # FER2013: 0 Angry 1 Disgust 2 Fear 3 Happy 4 Sad 5 Surprise 6 Neutral.
    'fer2013': ('anger', 'disgust', 'fear', 'happiness', 'sadness',
                'surprise', 'neutral'),
    # FER+: vote columns neutral ... contempt (unknown / NF are dropped).
    'ferplus': ('neutral', 'happiness', 'surprise', 'sadness', 'anger',
                'disgust', 'fear', 'contempt'),
    # ExpW: 0 angry ... 6 neutral (as FER2013).
    'expw': ('anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise',
             'neutral'),
    # SFEW 2.0: class folders Angry Disgust Fear Happy Neutral Sad Surprise.
    'sfew': ('anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness',
             'surprise'),
    # JAFFE: codes AN DI FE HA NE SA SU (no published indices; code order).
    'jaffe': ('anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness',
              'surprise'),
    # CK+ Emotion_labels: 0 neutral 1 anger 2 contempt 3 disgust 4 fear
    # 5 happy 6 sadness 7 surprise (only 1-7 occur as peak-frame labels).
    'ckplus': ('neutral', 'anger', 'contempt', 'disgust', 'fear', 'happiness',
               'sadness', 'surprise'),
    # BU-3DFE (codes AN DI FE HA SA SU; NE00 neutral is not used by the
    # 6-class protocols) and Bosphorus (E_ANGER ... E_SURPRISE): CM-CNN's
    # six basic expressions in code order.
    'bu3dfe': ('anger', 'disgust', 'fear', 'happiness', 'sadness',
               'surprise'),
    'bosphorus': ('anger', 'disgust', 'fear', 'happiness', 'sadness',
                  'surprise'),
}

#: Value :func:`map_labels` gives a class the target dataset lacks when
#: called with ``missing='unmapped'`` (never a valid class index).
UNMAPPED = -1

_LOOKUP: Dict[str, str] = {
    **{name: name
       for name in EXPRESSIONS},
    **EXPRESSION_ALIASES
}

Classes = Union[str, Sequence[str]]


def canonical_expression(name: str) -> str:
    """Canonical name of an expression (case and spaces ignored).

    Args:
        name (str): e.g. ``'Happy'``, ``'angry'``, ``'SU'``, ``'anger'``.

    Returns:
        str: a name of :data:`EXPRESSIONS`.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
    """
    if not isinstance(name, str):
        raise TypeError(f'an expression name must be a str, got '
                        f'{type(name).__name__} {name!r}')
    key = name.strip().lower().replace(' ', '_')
    if key not in _LOOKUP:
        raise ValueError(
            f'unknown expression {name!r}; valid names are '
            f'{", ".join(EXPRESSIONS)} (aliases: '
            f'{", ".join(sorted(EXPRESSION_ALIASES))}). Add a spelling to '
            'mmfer.structures.expressions.EXPRESSION_ALIASES if it names one '
            'of these.')
    return _LOOKUP[key]


def canonical_classes(names: Sequence[str]) -> Tuple[str, ...]:
    """Canonical names of a class list, in the same (index) order.

    Raises:
        ValueError: if a name is unknown or two names are the same
            expression (e.g. ``'happy'`` and ``'happiness'``).
    """
    if isinstance(names, str):
        raise TypeError(f'classes must be a sequence of names, got the str '
                        f'{names!r}')
    out = tuple(canonical_expression(n) for n in names)
    dup = sorted({c for c in out if out.count(c) > 1})
    if dup:
        raise ValueError(f'classes {list(names)} name {dup} more than once.')
    return out


def dataset_classes(dataset: str) -> Tuple[str, ...]:
    """A dataset's class order in canonical names (see
    :data:`DATASET_CLASSES`; the dataset name is case-insensitive)."""
    key = str(dataset).lower()
    if key not in DATASET_CLASSES:
        raise ValueError(f'no class order known for dataset {dataset!r}; '
                         f'known datasets: {sorted(DATASET_CLASSES)}. Pass '
                         'the class names as a list instead.')
    return DATASET_CLASSES[key]


def resolve_classes(classes: Classes) -> Tuple[str, ...]:
    """A dataset name (:func:`dataset_classes`) or a class-name list
    (:func:`canonical_classes`) -> canonical class tuple."""
    if isinstance(classes, str):
        return dataset_classes(classes)
    return canonical_classes(classes)


def _check_missing(missing: str) -> None:
    if missing not in ('error', 'unmapped'):
        raise ValueError(f"missing must be 'error' or 'unmapped', got "
                         f'{missing!r}')


def label_mapping(source: Classes,
                  target: Classes,
                  missing: str = 'error') -> List[int]:
    """Index map from one dataset's label space to another's, by name.

    Args:
        source (str | Sequence[str]): a dataset name of
            :data:`DATASET_CLASSES` or the source's class names in index
            order (any spelling of :func:`canonical_expression`).
        target (str | Sequence[str]): the same for the target.
        missing (str): what a source class the target lacks maps to:
            ``'error'`` (default) raises a ValueError naming the classes;
            ``'unmapped'`` gives :data:`UNMAPPED` (-1) for them, e.g. to drop
            MAFW's compound classes when evaluating a 7-class model.

    Returns:
        list[int]: ``mapping[i]`` is the target index of source class ``i``.
    """
    _check_missing(missing)
    src, tgt = resolve_classes(source), resolve_classes(target)
    lacking = [c for c in src if c not in tgt]
    if lacking and missing == 'error':
        raise ValueError(
            f'the target classes {list(tgt)} lack the source classes '
            f'{lacking}. Drop those samples, or pass missing=\'unmapped\' '
            f'to map them to {UNMAPPED}.')
    return [tgt.index(c) if c in tgt else UNMAPPED for c in src]


def map_labels(labels: Union[int, Sequence[int], np.ndarray],
               source: Classes,
               target: Classes,
               missing: str = 'error') -> np.ndarray:
    """Translate label indices from ``source``'s space into ``target``'s.

    Args:
        labels (int | Sequence[int] | np.ndarray): source indices, any shape.
        source, target, missing: see :func:`label_mapping`; with
            ``missing='error'`` only classes that occur in ``labels`` must
            exist in the target.

    Returns:
        np.ndarray: int64 array of ``labels``' shape, target indices
        (:data:`UNMAPPED` for absent classes with ``missing='unmapped'``).
    """
    _check_missing(missing)
    mapping = np.asarray(label_mapping(source, target, 'unmapped'),
                         dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    bad = (labels < 0) | (labels >= len(mapping))
    if bad.any():
        raise ValueError(f'labels {np.unique(labels[bad]).tolist()} are '
                         f'outside the source classes 0..{len(mapping) - 1}.')
    out = mapping[labels]
    if missing == 'error' and (out == UNMAPPED).any():
        src = resolve_classes(source)
        lacking = sorted({src[i] for i in labels[out == UNMAPPED].tolist()})
        tgt = list(resolve_classes(target))
        raise ValueError(
            f'the target classes {tgt} lack {lacking}, '
            'which occur in the labels. Drop those samples, or pass '
            f"missing='unmapped' to map them to {UNMAPPED}.")
    return out
