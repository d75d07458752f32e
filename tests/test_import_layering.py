"""mmfer.models and mmfer.datasets do not import each other.

Both sit on mmfer.structures / mmfer.utils / mmfer.registry (the modality
table, the codecs and the channel-mixing rule live there). Each check runs
in a fresh interpreter, so modules imported by other tests cannot hide an
import. (mmfer.structures is imported by both, so it is covered too.)
"""
import subprocess
import sys

LOADED = """
def loaded(pkg):
    return sorted(m for m in sys.modules
                  if m == pkg or m.startswith(pkg + '.'))
"""


def _run(code):
    res = subprocess.run([sys.executable, '-c', 'import sys\n' + LOADED +
                          code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def test_models_without_datasets():
    out = _run('import mmfer.models\n'
               "print('DATASETS', loaded('mmfer.datasets'))\n")
    assert 'DATASETS []' in out, out


def test_datasets_without_models_and_register_all_modules():
    out = _run(
        'import mmfer.datasets\n'
        "print('MODELS', loaded('mmfer.models'))\n"
        'from mmfer.utils import register_all_modules\n'
        'register_all_modules()\n'
        "print('APIS', loaded('mmfer.apis'))\n"
        'from mmfer.registry import MODELS, TRANSFORMS\n'
        "assert 'MCM' in MODELS.module_dict\n"
        "assert 'LoadFaceModalities' in TRANSFORMS.module_dict\n"
        'from mmfer.apis import inference_model, init_model\n'
        "print('OK')\n")
    assert 'MODELS []' in out, out
    # register_all_modules no longer imports mmfer.apis (an import cycle
    # through mmfer.utils); mmfer.apis still imports by itself.
    assert 'APIS []' in out and 'OK' in out, out
