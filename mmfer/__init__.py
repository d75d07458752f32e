"""mmfer: multimodal facial expression recognition and AU detection."""
import mmengine
from mmengine.utils import digit_version

from .version import __version__, version_info

# The stack is pinned (requirements/runtime.txt); these bounds are the
# releases mmfer was tested against. mmaction2 1.2.0 itself refuses
# mmcv >= 2.2.0 at import time.
MMENGINE_MIN, MMENGINE_MAX = '0.10.0', '1.0.0'
MMCV_MIN, MMCV_MAX = '2.0.0', '2.2.0'


def _check_versions():
    mmengine_version = digit_version(mmengine.__version__)
    if not (digit_version(MMENGINE_MIN) <= mmengine_version <
            digit_version(MMENGINE_MAX)):
        raise ImportError(
            f'mmfer needs {MMENGINE_MIN} <= mmengine < {MMENGINE_MAX}, but '
            f'mmengine=={mmengine.__version__} is installed. Install the '
            "tested release with: pip install 'mmengine==0.10.7'")
    try:
        import mmcv
    except ImportError as e:
        raise ImportError(
            'mmfer needs mmcv (the compiled ops are not used): '
            "pip install 'mmcv-lite==2.1.0'") from e
    mmcv_version = digit_version(mmcv.__version__)
    if not (digit_version(MMCV_MIN) <= mmcv_version <
            digit_version(MMCV_MAX)):
        raise ImportError(
            f'mmfer needs {MMCV_MIN} <= mmcv < {MMCV_MAX} (mmaction2 1.2.0 '
            f'refuses newer ones), but mmcv=={mmcv.__version__} is '
            "installed. Install the tested release with: "
            "pip install 'mmcv-lite==2.1.0'")


_check_versions()

# Work around the known breakages of the pinned stack (all in one place).
from .utils.compat import apply_stack_patches  # noqa: E402

apply_stack_patches()

__all__ = ['__version__', 'version_info']
