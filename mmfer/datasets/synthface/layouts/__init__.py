"""On-disk layout writers of SynthFace (native + real-dataset mimics)."""
from .bp4d import camera_intrinsics, depth_to_mesh
from .bp4d_plus import (false_colour_to_temperature,
                        temperature_to_false_colour)
from .dfew import DFEW_LABELS
from .generate import LAYOUTS, generate_layout, resolve_args
from .io import read_wav, write_wav

__all__ = ['LAYOUTS', 'generate_layout', 'resolve_args', 'DFEW_LABELS',
           'camera_intrinsics', 'depth_to_mesh', 'false_colour_to_temperature',
           'temperature_to_false_colour', 'read_wav', 'write_wav']
