"""Face layer: detectors, no-face policies, boxes and alignment.

See ``docs/face.md``.
"""
from .alignment import (AlignedFace, FaceAligner, alignment_matrix,
                        eye_angle, transform_points, warp)
from .base_detector import (ON_MISSING, BaseFaceDetector, FaceNotFoundError,
                            read_rgb)
from .boxes import (box_from_mask, center_box, clip_crop, crop_pad,
                    median_box, square_box)
from .detections import LANDMARK_NAMES, FaceDetections
from .haar import (HAAR_LAB_FRAMES, HAAR_VIDEO_FRAMES, HaarFaceDetector,
                   load_haar_cascade)
from .mtcnn import MTCNNFaceDetector
from .resampling import border_value, crop_resize, interpolation

__all__ = [
    'FaceDetections', 'LANDMARK_NAMES', 'BaseFaceDetector', 'ON_MISSING',
    'FaceNotFoundError', 'read_rgb', 'HaarFaceDetector', 'load_haar_cascade',
    'HAAR_LAB_FRAMES', 'HAAR_VIDEO_FRAMES',
    'MTCNNFaceDetector', 'square_box', 'center_box', 'box_from_mask',
    'median_box', 'crop_pad', 'clip_crop', 'border_value', 'crop_resize',
    'interpolation', 'eye_angle', 'alignment_matrix', 'transform_points',
    'warp', 'AlignedFace', 'FaceAligner'
]
