from .formatting import PackFERInputs, to_chw_tensor
from .loading import (LoadFaceModalities, depth_png_to_uint8, read_image_file,
                      thermal_png_to_uint8)

__all__ = [
    'LoadFaceModalities', 'PackFERInputs', 'to_chw_tensor',
    'depth_png_to_uint8', 'thermal_png_to_uint8', 'read_image_file'
]
