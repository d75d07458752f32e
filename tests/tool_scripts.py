"""Import a script under ``tools/`` in a test (the tools are scripts, not a
package): ``load_tool('analysis_tools', 'benchmark_infer.py')``."""
import importlib.util
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(*parts: str, name: str = None):
    """The module of ``tools/<parts...>``, executed once per call.

    Args:
        parts (str): the path under ``tools/``.
        name (str, optional): the module's ``__name__`` (default: the
            file name without ``.py``).
    """
    path = osp.join(REPO, 'tools', *parts)
    spec = importlib.util.spec_from_file_location(
        name or osp.splitext(parts[-1])[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
