"""mmfer.models and mmfer.datasets do not import each other.

Both sit on mmfer.structures / mmfer.utils / mmfer.registry (the modality
table, codecs and channel-mixing rule live there). Each check runs in a
fresh interpreter, so modules imported by other tests do not hide an
import.
"""
import subprocess
import sys

import pytest

CODE = """
import sys
import {pkg}
loaded = sorted(m for m in sys.modules
                if m == {other!r} or m.startswith({other!r} + '.'))
print('LOADED', loaded)
"""


@pytest.mark.parametrize('pkg,other', [('mmfer.models', 'mmfer.datasets'),
                                       ('mmfer.datasets', 'mmfer.models'),
                                       ('mmfer.structures', 'mmfer.models'),
                                       ('mmfer.structures',
                                        'mmfer.datasets')])
def test_import_does_not_load_other_package(pkg, other):
    res = subprocess.run(
        [sys.executable, '-c', CODE.format(pkg=pkg, other=other)],
        capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'LOADED []' in res.stdout, (
        f'import {pkg} loaded {other}: {res.stdout.strip()}')


def test_register_all_modules_leaves_apis_alone():
    code = ('import sys\nfrom mmfer.utils import register_all_modules\n'
            'register_all_modules()\n'
            "assert 'mmfer.apis' not in sys.modules, 'apis imported'\n"
            'from mmfer.apis import inference_model, init_model\n'
            "print('OK')\n")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=240)
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'OK' in res.stdout
