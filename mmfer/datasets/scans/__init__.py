"""3-D face scan formats (BU-3DFE ``.wrl``, Bosphorus ``.bnt``) and depth
images fitted from them (CM-CNN Sec. III-B4)."""
from .bnt import BNTScan, read_bnt, write_bnt
from .vrml import ScanMesh, read_vrml, write_vrml

__all__ = [
    'ScanMesh', 'read_vrml', 'write_vrml', 'BNTScan', 'read_bnt', 'write_bnt'
]
