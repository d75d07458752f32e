"""MTCNN face detector (facenet-pytorch 2.5.3, MIT licence).

K. Zhang, Z. Zhang, Z. Li and Y. Qiao, "Joint Face Detection and Alignment
Using Multitask Cascaded Convolutional Networks", IEEE SPL 2016
(https://arxiv.org/abs/1604.02878). MMA-DFER extracts MAFW faces with it.

The P-, R- and O-Net weights ship inside the facenet-pytorch wheel
(``facenet_pytorch/data/{pnet,rnet,onet}.pt``) and are loaded from there;
nothing is downloaded (``test_face_detectors.py`` under
tests/test_datasets/test_face runs it with sockets disabled). Those files
are plain state dicts, which torch 2.14's default
``torch.load(weights_only=True)`` accepts.
"""
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from mmfer.registry import FACE_DETECTORS

from .base_detector import BaseFaceDetector, FallbackBox, ImageLike
from .detections import FaceDetections

WEIGHT_FILES = ('pnet.pt', 'rnet.pt', 'onet.pt')


def _import_facenet():
    try:
        import facenet_pytorch
    except ImportError as err:
        raise ImportError(
            'MTCNNFaceDetector needs facenet-pytorch, a runtime '
            'requirement of mmfer: pip install facenet-pytorch==2.5.3 (its '
            'metadata pins no torch release, so the tested torch stays)'
        ) from err
    data = osp.join(osp.dirname(facenet_pytorch.__file__), 'data')
    missing = [f for f in WEIGHT_FILES if not osp.isfile(osp.join(data, f))]
    if missing:
        raise FileNotFoundError(
            f'facenet-pytorch has no MTCNN weights {missing} in {data}; '
            'reinstall it: pip install --force-reinstall --no-deps '
            'facenet-pytorch==2.5.3')
    return facenet_pytorch


@FACE_DETECTORS.register_module()
class MTCNNFaceDetector(BaseFaceDetector):
    """MTCNN: boxes, probabilities and five landmarks.

    Landmarks are MTCNN's: image-left eye, image-right eye, nose, image-left
    and image-right mouth corner (:data:`~.detections.LANDMARK_NAMES`).
    Scores are the O-Net face probabilities (0-1).

    Args:
        min_face_size (int): smallest face side in pixels. Default: 20.
        thresholds (sequence): P-, R-, O-Net thresholds. Default:
            ``(0.6, 0.7, 0.7)`` (facenet-pytorch's).
        factor (float): image pyramid scale step. Default: 0.709.
        device (str, optional): ``'cpu'``, ``'cuda'``...; default: CUDA when
            available, else CPU.
        on_missing (str): no-face policy, see :class:`BaseFaceDetector`.
        fallback_box: see :class:`BaseFaceDetector`.
    """

    def __init__(self,
                 min_face_size: int = 20,
                 thresholds: Sequence[float] = (0.6, 0.7, 0.7),
                 factor: float = 0.709,
                 device: Optional[str] = None,
                 on_missing: str = 'error',
                 fallback_box: Optional[FallbackBox] = None):
        super().__init__(on_missing, fallback_box)
        import torch
        facenet = _import_facenet()
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        self.device = torch.device(device)
        self.min_face_size, self.factor = int(min_face_size), float(factor)
        self.thresholds = [float(t) for t in thresholds]
        self.mtcnn = facenet.MTCNN(
            min_face_size=self.min_face_size, thresholds=self.thresholds,
            factor=self.factor, select_largest=True, keep_all=True,
            device=self.device).eval()

    def detect(self, img: ImageLike) -> FaceDetections:
        """Every face, largest first."""
        img = self._as_image(img)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        boxes, probs, points = self.mtcnn.detect(
            np.ascontiguousarray(img), landmarks=True)
        if boxes is None:
            return FaceDetections.empty()
        # facenet-pytorch returns object arrays; make them numeric
        return FaceDetections(
            np.asarray(boxes, np.float32).reshape(-1, 4),
            np.asarray(probs, np.float32).reshape(-1),
            np.asarray(points, np.float32).reshape(-1, 5, 2))

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(min_face_size={self.min_face_size}, '
                f'thresholds={self.thresholds}, factor={self.factor}, '
                f'device={str(self.device)!r}, '
                f'on_missing={self.on_missing!r})')
