"""Append a depth channel fitted from a 3-D face scan (CM-CNN Sec. III-B4)."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.structures.codecs import encode_depth
from mmfer.structures.modalities import channel_names
from ..scans.gridfit import FIT_METHODS, MASK_MODES
from ..scans.scan_depth import scan_file_depth_image
from .loading import depth_png_to_uint8


@TRANSFORMS.register_module()
class LoadScanDepth(BaseTransform):
    """Fit a depth image from a BU-3DFE ``.wrl`` / Bosphorus ``.bnt`` scan.

    CM-CNN (Cai et al., Sec. III-B4): "the facial depth image is generated
    by fitting a surface from the 3-D point cloud (provided by the facial
    3-D scans) in the form of z(x, y) using the gridfit algorithm". The
    depth image is fitted at the size of ``results['img']`` (the scan's 2-D
    texture image, so run this after ``LoadFaceModalities(('rgb',))``),
    aligned through the scan's texture coordinates
    (:func:`mmfer.datasets.scans.scan_depth_image`), encoded like mmfer's
    depth PNGs (:func:`~mmfer.structures.codecs.encode_depth`) and turned
    into a uint8 channel by the same code as ``LoadFaceModalities``'s depth
    (:func:`~mmfer.datasets.transforms.depth_png_to_uint8`: nearest point
    255, background 0), appended to ``img``.

    Fitting a 512 x 512 BU-3DFE image takes a few seconds per sample; for
    training, precompute depth PNGs with
    ``tools/dataset_converters/scans_to_depth.py`` and load them with
    ``LoadFaceModalities(('rgb', 'depth'))`` instead.

    **Required Keys:** ``img`` (H, W, C) uint8, ``modalities``,
    ``channel_names``, ``scan_key`` (default ``scan_path``); ``face_box``
    (x1, y1, x2, y2) if ``face_box_key`` is set.

    **Modified Keys:** ``img`` (H, W, C + 1), ``modalities`` (+ ``'depth'``),
    ``channel_names`` (+ the depth channel's name).

    **Added Keys:** none.

    Args:
        scan_key (str): key of the scan file path. Defaults to
            ``'scan_path'``.
        method (str): ``'gridfit'`` or ``'linear'``. Defaults to
            ``'gridfit'``.
        smoothness (float): gridfit regulariser weight. Defaults to 1.
        mask (str): data support, ``'distance'`` or ``'hull'`` (see
            :func:`mmfer.datasets.scans.scan_depth_image`). Defaults to
            ``'distance'``.
        face_box_key (str, optional): key of a face box restricting the fit
            to the detected face region. Defaults to None (whole image).
        z_sign (int): +1 if scan z grows towards the sensor. Defaults to 1.
        v_up (bool): texture ``v`` grows upwards (VRML; image row =
            (1 - v) H). Defaults to True.
    """

    def __init__(self,
                 scan_key: str = 'scan_path',
                 method: str = 'gridfit',
                 smoothness: float = 1.0,
                 mask: str = 'distance',
                 face_box_key: Optional[str] = None,
                 z_sign: int = 1,
                 v_up: bool = True):
        if method not in FIT_METHODS:
            raise ValueError(f'LoadScanDepth: method must be one of '
                             f'{FIT_METHODS}, got {method!r}.')
        if smoothness <= 0:
            raise ValueError(f'LoadScanDepth: smoothness must be > 0, got '
                             f'{smoothness}.')
        if mask not in MASK_MODES:
            raise ValueError(f'LoadScanDepth: mask must be one of '
                             f'{MASK_MODES}, got {mask!r}.')
        self.scan_key = scan_key
        self.mask = mask
        self.method = method
        self.smoothness = smoothness
        self.face_box_key = face_box_key
        self.z_sign = z_sign
        self.v_up = v_up

    def transform(self, results: Dict) -> Dict:
        if 'img' not in results or 'modalities' not in results:
            raise KeyError('LoadScanDepth fits depth at the size of '
                           'results["img"]; put LoadFaceModalities(("rgb",)) '
                           'before it in the pipeline.')
        if results.get(self.scan_key) is None:
            raise KeyError(f'LoadScanDepth needs the scan path in '
                           f'"{self.scan_key}", but the sample has keys '
                           f'{sorted(results)}. Set scan_key or let the '
                           'dataset provide it.')
        if 'depth' in results['modalities']:
            raise ValueError(f'LoadScanDepth: the sample already has a depth '
                             f'channel (modalities {results["modalities"]}).')
        path = results[self.scan_key]
        img = results['img']
        face_box = (results[self.face_box_key]
                    if self.face_box_key is not None else None)
        depth_mm = scan_file_depth_image(
            path, img.shape[:2], method=self.method,
            smoothness=self.smoothness, face_box=face_box, mask=self.mask,
            z_sign=self.z_sign, v_up=self.v_up)                    # (H, W)
        depth = depth_png_to_uint8(encode_depth(depth_mm), source=path)
        if img.ndim == 2:
            img = img[..., None]
        results['img'] = np.concatenate([img, depth[..., None]], 2)
        results['modalities'] = tuple(results['modalities']) + ('depth', )
        results['channel_names'] = tuple(
            results['channel_names']) + channel_names(('depth', ))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scan_key={self.scan_key!r}, '
                f'method={self.method!r}, smoothness={self.smoothness}, '
                f'mask={self.mask!r}, '
                f'face_box_key={self.face_box_key!r}, z_sign={self.z_sign}, '
                f'v_up={self.v_up})')
