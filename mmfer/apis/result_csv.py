"""Per-frame, per-face CSV rows of :class:`~mmfer.apis.FERInferencer`.

Columns follow OpenFace's ``FeatureExtraction`` and py-feat's ``Fex``:
``frame, timestamp, face_id, success, confidence, face_x, face_y,
face_width, face_height, x_0..x_4, y_0..y_4``, then one column per
expression class (its probability), one per AU (its probability),
``expression`` (the top class), ``has_audio`` and ``input`` (the source
file). Rows of frames without a face have ``success=0`` and empty
prediction cells. See ``docs/inference.md``.
"""
import csv
import math
import os
import os.path as osp
from typing import IO, List, Optional, Sequence

#: The leading columns of every CSV.
FACE_COLUMNS = (['frame', 'timestamp', 'face_id', 'success', 'confidence',
                 'face_x', 'face_y', 'face_width', 'face_height'] +
                [f'x_{i}' for i in range(5)] + [f'y_{i}' for i in range(5)])


def csv_columns(expression_names: Sequence[str] = (),
                au_names: Sequence[str] = ()) -> List[str]:
    """Column names for a model predicting these expressions / AUs."""
    clash = set(expression_names) & (set(au_names) | set(FACE_COLUMNS))
    if clash:
        raise ValueError(f'class names {sorted(clash)} clash with other CSV '
                         'columns')
    return (FACE_COLUMNS + list(expression_names) + list(au_names) +
            ['expression', 'has_audio', 'input'])


def _num(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(
            value)):
        return ''
    return fmt % value


def result_to_row(result: dict, expression_names: Sequence[str] = (),
                  au_names: Sequence[str] = ()) -> dict:
    """One CSV row (column -> text) of one result dict."""
    row = dict(frame=_num(result['frame'], '%d'),
               timestamp=_num(result['timestamp'], '%.3f'),
               face_id=str(result['face_id']),
               success=str(int(bool(result['success']))),
               confidence=_num(result['score'], '%.4f'))
    box = result['box']
    if box is not None:
        row.update(face_x=_num(box[0], '%.1f'), face_y=_num(box[1], '%.1f'),
                   face_width=_num(box[2] - box[0], '%.1f'),
                   face_height=_num(box[3] - box[1], '%.1f'))
    for i, (x, y) in enumerate(result['landmarks'] or []):
        row[f'x_{i}'], row[f'y_{i}'] = _num(x, '%.1f'), _num(y, '%.1f')
    for names, key in ((expression_names, 'expression_probs'),
                       (au_names, 'au_probs')):
        probs = result[key] or {}
        for n in names:
            row[n] = _num(probs.get(n), '%.4f')
    row['expression'] = result['expression'] or ''
    row['has_audio'] = ('' if result['has_audio'] is None else
                        str(int(bool(result['has_audio']))))
    row['input'] = result['source']
    return row


class ResultCSVWriter:
    """Write result dicts as CSV rows as they come (nothing is kept).

    Args:
        file (str | file): output path or an open text file.
        expression_names, au_names: the model's outputs
            (:meth:`~mmfer.apis.FERInferencer.output_names`).
    """

    def __init__(self, file, expression_names: Sequence[str] = (),
                 au_names: Sequence[str] = ()):
        self._own = isinstance(file, str)
        if self._own and osp.dirname(file):
            os.makedirs(osp.dirname(file), exist_ok=True)
        self._fh: IO = open(file, 'w', newline='') if self._own else file
        self.columns = csv_columns(expression_names, au_names)
        self.expression_names = list(expression_names)
        self.au_names = list(au_names)
        self._writer = csv.DictWriter(self._fh, self.columns, restval='')
        self._writer.writeheader()
        self.num_rows = self.num_success = 0

    def write(self, result: dict):
        self._writer.writerow(result_to_row(result, self.expression_names,
                                            self.au_names))
        self.num_rows += 1
        self.num_success += bool(result['success'])

    def close(self):
        self._fh.flush()
        if self._own:
            self._fh.close()

    def __enter__(self) -> 'ResultCSVWriter':
        return self

    def __exit__(self, *exc) -> Optional[bool]:
        self.close()
        return None
