"""Building sub-modules of composite models from configs."""
from typing import Optional, Union

from torch import nn

from mmfer.registry import MODELS


def build_module(cfg: Union[dict, nn.Module, None]) -> Optional[nn.Module]:
    """Build ``cfg`` from :data:`mmfer.registry.MODELS` unless it is built.

    Composite models (classifiers, recognisers, self-supervised models)
    take each part as a config dict or a built module, as mmpretrain's do;
    None stays None (an optional part).

    Examples:
        >>> from torch import nn
        >>> lin = nn.Linear(2, 2)
        >>> build_module(lin) is lin, build_module(None)
        (True, None)
    """
    if cfg is None or isinstance(cfg, nn.Module):
        return cfg
    return MODELS.build(cfg)
