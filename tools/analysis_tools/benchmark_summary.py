# The JSON summary every benchmark under tools/analysis_tools/ writes with
# --summary-json FILE, which benchmark_all.py merges into one table: a list
# of rows {"benchmark": str, "metric": str, "value": float, "unit": str,
# "note": str}. Benchmarks import it as a sibling module (they run as
# scripts from this folder); benchmark_all.py reads only the JSON.
import argparse
import json
import math
from typing import List, Optional

ROW_KEYS = ('benchmark', 'metric', 'value', 'unit', 'note')


def summary_row(benchmark: str, metric: str, value: float, unit: str,
                note: str = '') -> dict:
    """One summary row; ``value`` as a float (NaN for "not measured")."""
    value = float('nan') if value is None else float(value)
    return dict(benchmark=benchmark, metric=metric, value=value, unit=unit,
                note=note)


def add_summary_args(parser: argparse.ArgumentParser) -> None:
    """``--small`` (the sizes benchmark_all.py runs) and
    ``--summary-json FILE``."""
    parser.add_argument(
        '--small', action='store_true',
        help='small sizes and few repetitions (benchmark_all.py)')
    parser.add_argument(
        '--summary-json', metavar='FILE',
        help='write the figures as a JSON list of rows {benchmark, metric, '
        'value, unit, note} (read by benchmark_all.py)')


def write_summary(path: Optional[str], rows: List[dict]) -> None:
    """Write ``rows`` to ``path`` (no-op when ``path`` is None). NaN values
    become JSON null so that any JSON reader can load the file."""
    if not path:
        return
    for row in rows:
        missing = [k for k in ROW_KEYS if k not in row]
        if missing:
            raise ValueError(f'summary row {row} lacks {missing}')
    clean = [dict(r, value=None if isinstance(r['value'], float) and
                  math.isnan(r['value']) else r['value']) for r in rows]
    with open(path, 'w') as f:
        json.dump(clean, f, indent=1)
