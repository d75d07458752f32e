"""Detection every k frames with a template-matching tracker in between.

``detect_every=1`` (the default of :class:`~mmfer.apis.FERInferencer`)
runs the detector on every frame. With ``detect_every=k > 1`` the detector
runs on every k-th frame (a *key frame*); on the frames in between each
face of the last key frame is searched near its last position by
normalised cross-correlation (``cv2.matchTemplate``, ``TM_CCOEFF_NORMED``)
of the key frame's face patch, at a reduced resolution (the patch is
scaled to ``template_side`` pixels). The box and the landmarks move by the
match's shift; the score stays the key frame's. When a face's best match
falls below ``min_match`` it is lost, and the detector runs on that frame
at once (which also starts a new key-frame interval). A key frame without
a face makes the next frame a key frame too, so a face entering the view
is found on the next frame.
"""
from typing import List, Optional

import cv2
import numpy as np

from mmfer.datasets.face import BaseFaceDetector, FaceDetections


def sort_by_area(faces: FaceDetections) -> FaceDetections:
    """The detections largest box first (``face_id`` 0 is the largest)."""
    if len(faces) < 2:
        return faces
    return faces.select(np.argsort(-faces.areas, kind='stable').tolist())


def _gray(rgb: np.ndarray) -> np.ndarray:
    return rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


class FaceTracker:
    """Detect faces every ``detect_every`` frames, track them in between.

    Args:
        detector (BaseFaceDetector): the face detector.
        detect_every (int): key-frame interval k (1: detect every frame).
        max_faces (int, optional): keep the ``max_faces`` largest faces.
        template_side (int): side in pixels the face patch is scaled to
            for matching. Default: 32.
        search (float): the search region extends the box by this
            fraction of its side on each side. Default: 0.5.
        min_match (float): correlation below which a face is lost.
            Default: 0.6.
        detect_width (int): run the detector on a copy of the frame scaled
            to this width (area-averaged; boxes and landmarks mapped back),
            e.g. 320 for 640 x 480 video with faces of >= 80 px; 0 (default)
            detects at full resolution.

    Attributes:
        num_detections (int): frames the detector ran on.
        num_tracked (int): frames whose faces came from the tracker.
    """

    def __init__(self, detector: BaseFaceDetector, detect_every: int = 1,
                 max_faces: Optional[int] = None, template_side: int = 32,
                 search: float = 0.5, min_match: float = 0.6,
                 detect_width: int = 0):
        if int(detect_every) < 1:
            raise ValueError(f'detect_every must be >= 1, got {detect_every}')
        if int(detect_width) < 0:
            raise ValueError(f'detect_width must be >= 0, got {detect_width}')
        self.detect_width = int(detect_width)
        if max_faces is not None and int(max_faces) < 1:
            raise ValueError(f'max_faces must be >= 1 or None, got '
                             f'{max_faces}')
        self.detector = detector
        self.detect_every = int(detect_every)
        self.max_faces = max_faces
        self.template_side, self.search = int(template_side), float(search)
        self.min_match = float(min_match)
        self.reset()

    def reset(self):
        """Forget the faces (call at the start of each video)."""
        self._faces: Optional[FaceDetections] = None
        self._templates: List[tuple] = []
        self._since_key = 0
        self.num_detections = self.num_tracked = 0

    def detect(self, img: np.ndarray) -> FaceDetections:
        """Every face of ``img`` (largest first), on a key frame."""
        scale = 1.0
        if self.detect_width and img.shape[1] > self.detect_width:
            scale = self.detect_width / img.shape[1]
            small = cv2.resize(img, (self.detect_width,
                                     max(int(round(img.shape[0] * scale)),
                                         1)), interpolation=cv2.INTER_AREA)
            faces = self.detector.detect(small)
            if len(faces):       # back to the full frame's pixels
                faces = FaceDetections(faces.boxes / scale, faces.scores,
                                       faces.landmarks / scale)
        else:
            faces = self.detector.detect(img)
        faces = sort_by_area(faces)
        if self.max_faces is not None:
            faces = faces.select(list(range(min(len(faces),
                                                self.max_faces))))
        self.num_detections += 1
        return faces

    def __call__(self, img: np.ndarray) -> FaceDetections:
        """The faces of the next frame ``img`` ((H, W, 3) RGB or (H, W))."""
        if (self.detect_every > 1 and self._faces is not None
                and len(self._faces) and self._since_key < self.detect_every):
            tracked = self._track(img)
            if tracked is not None:
                self._since_key += 1
                self.num_tracked += 1
                return tracked
        faces = self.detect(img)
        if self.detect_every > 1:
            self._faces, self._since_key = faces, 1
            gray = _gray(img)
            self._templates = [self._template(gray, b) for b in faces.boxes]
        return faces

    def _scale(self, box) -> float:
        side = max(box[2] - box[0], box[3] - box[1], 1.0)
        return min(1.0, self.template_side / side)

    def _template(self, gray: np.ndarray, box) -> tuple:
        s = self._scale(box)
        x0, y0, x1, y1 = self._clip(box, gray.shape)
        patch = gray[y0:y1, x0:x1]
        if patch.size == 0:
            return None, s
        size = (max(int(round((x1 - x0) * s)), 4),
                max(int(round((y1 - y0) * s)), 4))
        return cv2.resize(patch, size, interpolation=cv2.INTER_AREA), s, \
            (x0, y0)

    @staticmethod
    def _clip(box, shape) -> tuple:
        h, w = shape[:2]
        x0, y0 = int(np.clip(np.floor(box[0]), 0, w)), int(
            np.clip(np.floor(box[1]), 0, h))
        x1, y1 = int(np.clip(np.ceil(box[2]), 0, w)), int(
            np.clip(np.ceil(box[3]), 0, h))
        return x0, y0, x1, y1

    def _track(self, img: np.ndarray) -> Optional[FaceDetections]:
        """The key frame's faces moved to their best match, or None if one
        of them is lost."""
        gray = _gray(img)
        boxes = self._faces.boxes.copy()
        landmarks = self._faces.landmarks.copy()
        for i, tpl in enumerate(self._templates):
            if tpl is None or tpl[0] is None:
                return None
            patch, s, (px, py) = tpl
            box = boxes[i]
            pad = self.search * max(box[2] - box[0], box[3] - box[1])
            x0, y0, x1, y1 = self._clip(
                (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad),
                gray.shape)
            region = gray[y0:y1, x0:x1]
            size = (int(round((x1 - x0) * s)), int(round((y1 - y0) * s)))
            if size[0] < patch.shape[1] or size[1] < patch.shape[0]:
                return None
            region = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
            match = cv2.matchTemplate(region, patch, cv2.TM_CCOEFF_NORMED)
            _, best, _, (mx, my) = cv2.minMaxLoc(match)
            if not np.isfinite(best) or best < self.min_match:
                return None
            # the patch's top-left corner moved from (px, py) to here
            dx = x0 + mx / s - px
            dy = y0 + my / s - py
            boxes[i] += np.array([dx, dy, dx, dy], np.float32)
            landmarks[i] += np.array([dx, dy], np.float32)
        return FaceDetections(boxes, self._faces.scores.copy(), landmarks)
