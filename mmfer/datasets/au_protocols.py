"""Published subject-exclusive 3-fold protocols of BP4D and DISFA.

The parts are those of JAA-Net (Shao et al., "Deep Adaptive Attention for
Joint Facial Action Unit Detection and Face Alignment", ECCV 2018), used by
MCM (Multimodal Channel-Mixing, Sec. 4.1, "following the work [20]") and
most AU papers since: fold ``k`` tests on one part and trains on the other
two, with

- fold 1: test part 3, train parts 1 + 2;
- fold 2: test part 2, train parts 1 + 3;
- fold 3: test part 1, train parts 2 + 3.

Example:
    >>> from mmfer.datasets.au_protocols import get_fold_subjects
    >>> len(get_fold_subjects('bp4d', 1, 'test')), len(get_fold_subjects('bp4d', 1, 'train'))
    (13, 28)
"""
from typing import Dict, List, Optional, Tuple

#: BP4D: 41 subjects in three parts (14 / 14 / 13).
BP4D_PARTS: Dict[int, Tuple[str, ...]] = {
    1: ('F001', 'M007', 'F018', 'F008', 'F002', 'M004', 'F010', 'F009',
        'M012', 'M001', 'F016', 'M014', 'F023', 'M008'),
    2: ('M011', 'F003', 'M010', 'M002', 'F005', 'F022', 'M018', 'M017',
        'F013', 'M016', 'F020', 'F011', 'M013', 'M005'),
    3: ('F007', 'F015', 'F006', 'F019', 'M006', 'M009', 'F012', 'M003',
        'F004', 'F021', 'F017', 'M015', 'F014'),
}

#: DISFA: 27 subjects in three parts of 9.
DISFA_PARTS: Dict[int, Tuple[str, ...]] = {
    1: ('SN002', 'SN010', 'SN001', 'SN026', 'SN027', 'SN032', 'SN030',
        'SN009', 'SN016'),
    2: ('SN013', 'SN018', 'SN011', 'SN028', 'SN012', 'SN006', 'SN031',
        'SN021', 'SN024'),
    3: ('SN003', 'SN029', 'SN023', 'SN025', 'SN008', 'SN005', 'SN007',
        'SN017', 'SN004'),
}

PROTOCOLS: Dict[str, Dict[int, Tuple[str, ...]]] = {
    'bp4d': BP4D_PARTS,
    'disfa': DISFA_PARTS,
}

#: fold -> the part it tests on.
FOLD_TEST_PART: Dict[int, int] = {1: 3, 2: 2, 3: 1}

#: The AUs each dataset is evaluated on (MCM Sec. 4.1).
BP4D_AUS: Tuple[int, ...] = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
DISFA_AUS: Tuple[int, ...] = (1, 2, 4, 6, 9, 12, 25, 26)


def get_fold_subjects(dataset: str,
                      fold: Optional[int],
                      split: str = 'train') -> Optional[List[str]]:
    """Subjects of one split of one fold.

    Args:
        dataset (str): ``'bp4d'`` or ``'disfa'`` (case-insensitive).
        fold (int | None): 1, 2 or 3; None means "no protocol" and
            returns None (all subjects).
        split (str): ``'train'`` (the two other parts, in part order) or
            ``'test'`` (the fold's test part; ``'val'`` is an alias, as the
            protocol has no separate validation set).

    Returns:
        list[str] | None: subject ids such as ``'F001'`` / ``'SN002'``.
    """
    key = str(dataset).lower()
    if key not in PROTOCOLS:
        raise ValueError(f'No AU fold protocol for dataset {dataset!r}; '
                         f'valid ones are {sorted(PROTOCOLS)}.')
    if fold is None:
        return None
    if fold not in FOLD_TEST_PART:
        raise ValueError(f'fold must be 1, 2, 3 or None, got {fold!r}.')
    if split not in ('train', 'test', 'val'):
        raise ValueError(
            f"split must be 'train', 'test' or 'val', got {split!r}.")
    parts = PROTOCOLS[key]
    test_part = FOLD_TEST_PART[fold]
    if split in ('test', 'val'):
        return list(parts[test_part])
    return [s for p in sorted(parts) if p != test_part for s in parts[p]]
