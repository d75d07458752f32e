__version__ = '0.1.0'


def parse_version_info(version_str):
    """Parse a version string like ``'0.1.0'`` into a tuple of ints/strs."""
    parts = []
    for x in version_str.split('.'):
        parts.append(int(x) if x.isdigit() else x)
    return tuple(parts)


version_info = parse_version_info(__version__)
