from .base_fer_dataset import MODALITY_KEYS, BaseFERDataset
from .bp4d import BP4DDataset
from .bp4d_plus import BP4DPlusDataset
from .dfew import DFEWDataset
from .disfa import DISFADataset
from .face import (BaseFaceDetector, FaceAligner, FaceDetections,
                   HaarFaceDetector, MTCNNFaceDetector)
from .mafw import MAFWDataset
from .scans import (BNTScan, ScanMesh, read_bnt, read_vrml, write_bnt,
                    write_vrml)
from .synthface_dataset import SynthFaceDataset
from .transforms import *  # noqa: F401,F403
from .video_fer_dataset import VideoFERDataset

__all__ = ['BaseFERDataset', 'SynthFaceDataset', 'MODALITY_KEYS']
__all__ += ['BP4DDataset', 'BP4DPlusDataset', 'DISFADataset']
__all__ += ['VideoFERDataset', 'DFEWDataset', 'MAFWDataset']
__all__ += ['BaseFaceDetector', 'FaceDetections', 'HaarFaceDetector',
            'MTCNNFaceDetector', 'FaceAligner']
__all__ += ['ScanMesh', 'read_vrml', 'write_vrml', 'BNTScan', 'read_bnt',
            'write_bnt']
