from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name):
    """Read ``requirements/<name>.txt`` without comments and blank lines."""
    lines = (HERE / 'requirements' / f'{name}.txt').read_text().splitlines()
    return [ln.split('#')[0].strip() for ln in lines
            if ln.split('#')[0].strip() and not ln.startswith('-r')]


def get_version():
    scope = {}
    exec((HERE / 'mmfer' / 'version.py').read_text(), scope)
    return scope['__version__']


setup(
    name='mmfer',
    version=get_version(),
    description='OpenMMLab-style toolkit for multimodal facial expression '
    'recognition and action unit detection',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'projects')),
    include_package_data=True,
    python_requires='>=3.9',
    install_requires=read_requirements('runtime'),
    extras_require={
        'tests': read_requirements('tests'),
        'optional': read_requirements('optional'),
        'export': read_requirements('export'),
    },
    license='Apache License 2.0',
    zip_safe=False,
)
