import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmfer module so that it registers itself.

    ``mmfer.apis`` is not imported: it registers nothing (the inferencer
    registry finds it through its ``locations``) and imports this module,
    so importing it here would close an import cycle through
    ``mmfer.utils``.

    Args:
        init_default_scope (bool): whether to set ``'mmfer'`` as the
            default scope (mmengine's ``DefaultScope``). Defaults to True.
    """
    import mmfer.datasets  # noqa: F401,F403
    import mmfer.engine  # noqa: F401,F403
    import mmfer.evaluation  # noqa: F401,F403
    import mmfer.models  # noqa: F401,F403
    import mmfer.structures  # noqa: F401,F403
    import mmfer.visualization  # noqa: F401,F403

    if not init_default_scope:
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope is None:
        DefaultScope.get_instance('mmfer', scope_name='mmfer')
    elif current_scope.scope_name != 'mmfer':
        warnings.warn(f'The current default scope "{current_scope.scope_name}"'
                      ' is not "mmfer"; `register_all_modules` creates a new '
                      'default scope named "mmfer".')
        new_instance_name = f'mmfer-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmfer')
