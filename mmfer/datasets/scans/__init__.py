"""3-D face scan formats (BU-3DFE ``.wrl``, Bosphorus ``.bnt``) and depth
images fitted from them (CM-CNN Sec. III-B4)."""
from .bnt import BNTScan, read_bnt, write_bnt
from .gridfit import fit_depth_grid, support_mask
from .scan_depth import (DEPTH_NEAR_MM, read_scan_points, scan_depth_image,
                         scan_file_depth_image)
from .vrml import ScanMesh, read_vrml, write_vrml

__all__ = [
    'ScanMesh', 'read_vrml', 'write_vrml', 'BNTScan', 'read_bnt', 'write_bnt'
]
__all__ += [
    'fit_depth_grid', 'support_mask', 'scan_depth_image',
    'scan_file_depth_image', 'read_scan_points', 'DEPTH_NEAR_MM'
]
