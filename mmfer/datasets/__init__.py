from .affectnet import AffectNetDataset
from .base_fer_dataset import MODALITY_KEYS, BaseFERDataset
from .bosphorus import BosphorusDataset
from .bp4d import BP4DDataset
from .bp4d_plus import BP4DPlusDataset
from .bu3dfe import BU3DFEDataset
from .celebamask_hq import CelebAMaskHQDataset
from .dfew import DFEWDataset
from .disfa import DISFADataset
from .expw import ExpWDataset
from .face import (BaseFaceDetector, FaceAligner, FaceDetections,
                   HaarFaceDetector, MTCNNFaceDetector)
from .face_folder import (CASIAWebFaceDataset, CelebADataset,
                          FaceFolderDataset, FFHQDataset)
from .ferplus import FER2013Dataset, FERPlusDataset
from .image_fer_dataset import ImageFERDataset
from .jaffe import JAFFEDataset
from .mafw import MAFWDataset
from .rafdb import RAFDBDataset
from .rgbd_folder import CCZUFERDataset, RGBDFolderDataset, VTKFERDataset
from .scans import (BNTScan, ScanMesh, read_bnt, read_vrml, write_bnt,
                    write_vrml)
from .sfew import SFEWDataset
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
__all__ += ['CelebAMaskHQDataset', 'FaceFolderDataset', 'CelebADataset',
            'FFHQDataset', 'CASIAWebFaceDataset']
__all__ += ['ImageFERDataset', 'RAFDBDataset', 'AffectNetDataset',
            'FER2013Dataset', 'FERPlusDataset', 'SFEWDataset', 'ExpWDataset',
            'JAFFEDataset']
__all__ += ['BU3DFEDataset', 'BosphorusDataset', 'RGBDFolderDataset',
            'VTKFERDataset', 'CCZUFERDataset']
