"""Loading face images of several modalities into one H×W×C array."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.structures.codecs import (DEPTH_BACKGROUND_MM, decode_depth,
                                     decode_thermal)
from mmfer.structures.codecs import depth_to_uint8 as depth_mm_to_uint8
from mmfer.structures.modalities import (channel_names, check_modalities,
                                         path_key)

#: Modalities :class:`LoadFaceModalities` reads (rows of
#: :mod:`mmfer.structures.modalities`); parsing maps have their own loader.
LOADABLE_MODALITIES = ('rgb', 'gray', 'depth', 'thermal')


def read_image_file(path: str, flag: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """``cv2.imread`` that raises a clear error instead of returning None.

    Args:
        path (str): image file.
        flag (int): cv2 imread flag.

    Returns:
        np.ndarray: the decoded image.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Image file not found: {path}. Check data_root and that the '
            'dataset was extracted completely.')
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, flag) if data.size else None
    if img is None:
        raise ValueError(
            f'Cannot decode image file {path} (empty, truncated or not an '
            'image). Re-extract or regenerate this file, or remove the '
            'sample from the annotation file.')
    return img


def _uint16_plane(raw: np.ndarray, what: str, fix: str,
                  source: str) -> np.ndarray:
    """(H, W) uint16 plane of a depth/thermal PNG, or an error naming it."""
    if raw.ndim == 3:
        raw = raw[..., 0]
    if raw.dtype != np.uint16:
        raise ValueError(f'{source}: {what} images must be uint16 PNGs, got '
                         f'dtype {raw.dtype}. {fix}')
    return raw


def depth_png_to_uint8(raw: np.ndarray,
                       source: str = 'depth image') -> np.ndarray:
    """Map an mmfer depth PNG to uint8 with the nearest face point brightest.

    mmfer's depth PNG (written by SynthFace and by the preprocessing tools
    under ``tools/dataset_converters/``) stores depth in 0.1 mm units as
    uint16; 0 means "no return" and the far plane
    (:data:`~mmfer.structures.codecs.DEPTH_BACKGROUND_MM`) marks
    background. Both become 0; the face range is stretched to [1, 255]
    (see :func:`mmfer.structures.codecs.depth_to_uint8`).

    Args:
        raw (np.ndarray): (H, W) uint16 depth PNG content.
        source (str): file name for error messages.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    raw = _uint16_plane(
        raw, 'Depth', 'Write depth in 0.1 mm units, e.g. with '
        'tools/dataset_converters/bp4d_depth_from_mesh.py.', source)
    depth_mm = decode_depth(raw)
    depth_mm[np.isnan(depth_mm)] = DEPTH_BACKGROUND_MM  # no return = far
    return depth_mm_to_uint8(depth_mm)


def kinect_depth_png_to_uint8(raw: np.ndarray,
                              source: str = 'depth image') -> np.ndarray:
    """Map a raw Kinect depth PNG (uint16 millimetres) to uint8.

    Kinect SDKs save depth as uint16 millimetres with 0 for "no reading";
    there is no far plane (the room behind the face has valid depth). The
    valid range is stretched to [1, 255] with the nearest point brightest;
    no-reading pixels become 0.

    Args:
        raw (np.ndarray): (H, W) uint16 depth PNG content.
        source (str): file name for error messages.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    raw = _uint16_plane(
        raw, 'Kinect depth', 'Save the depth frames as 16-bit PNGs in '
        'millimetres, or set depth_codec to the codec of the files.', source)
    valid = raw > 0
    if not valid.any():
        return np.zeros(raw.shape, np.uint8)
    d = raw.astype(np.float32)
    near, far = float(d[valid].min()), float(d[valid].max())
    v = 1 + 254 * (far - d) / max(far - near, 1e-6)
    return np.where(valid, np.clip(np.rint(v), 1, 255), 0).astype(np.uint8)


#: ``depth_codec`` of :class:`LoadFaceModalities` -> uint16 PNG decoder.
DEPTH_PNG_DECODERS = {'mmfer': depth_png_to_uint8,
                      'uint16_mm': kinect_depth_png_to_uint8}


def thermal_png_to_uint8(raw: np.ndarray,
                         temp_range: Tuple[float, float] = (20.0, 40.0),
                         source: str = 'thermal image') -> np.ndarray:
    """Map an mmfer thermal PNG (uint16 centi-°C) to uint8 over a °C window.

    Args:
        raw (np.ndarray): (H, W) uint16 thermal PNG content.
        temp_range (tuple): (low, high) °C mapped to 0 and 255.
        source (str): file name for error messages.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    raw = _uint16_plane(
        raw, 'Thermal', 'Write centi-degrees Celsius, e.g. convert raw or '
        'false-colour frames with '
        'tools/dataset_converters/bp4dplus_thermal.py.', source)
    low, high = temp_range
    norm = (decode_thermal(raw) - low) / (high - low)
    return (np.clip(norm, 0, 1) * 255).round().astype(np.uint8)


@TRANSFORMS.register_module()
class LoadFaceModalities(BaseTransform):
    """Load one or more face modalities and stack them channel-wise.

    The result ``img`` is an (H, W, C) uint8 array whose channels follow
    ``modalities``: ``rgb`` gives 3 channels in RGB order, ``gray`` 1,
    ``depth`` 1 (nearest point brightest, see :func:`depth_png_to_uint8`),
    ``thermal`` 1 (a fixed °C window, see :func:`thermal_png_to_uint8`). E.g.
    ``('rgb', 'depth', 'thermal')`` gives the 5-channel RGB+D+T input of
    MCM. Channel counts, channel names and annotation keys come from the
    modality table :mod:`mmfer.structures.modalities` (``gray`` is read
    from ``img_path``). All modalities of a sample must have the same size
    (they are pixel-aligned by preprocessing); otherwise an error names the
    files.

    **Required Keys:** ``img_path`` and/or ``depth_path``,
    ``thermal_path`` (per modality); optional ``depth_codec``.

    **Added Keys:** ``img`` (H, W, C) uint8, ``img_shape``, ``ori_shape``,
    ``modalities`` (tuple), ``channel_names`` (tuple of length C).

    Args:
        modalities (Sequence[str]): what to load, in channel order.
            Defaults to ``('rgb',)``.
        depth_as_rgb (bool): replicate a depth-only input to 3 channels,
            as fine-tuning an ImageNet-style 3-channel encoder on depth
            needs (MCM Sec. 4.4.2). Defaults to False.
        thermal_range (tuple): °C window of the thermal channel.
            Defaults to (20, 40).
        depth_codec (str, optional): how depth PNGs are encoded:
            ``'mmfer'`` (0.1 mm, 65535 = background; SynthFace and the
            converters, :func:`depth_png_to_uint8`) or ``'uint16_mm'``
            (raw Kinect millimetres, 0 = no reading,
            :func:`kinect_depth_png_to_uint8`). None (default) uses the
            sample's ``depth_codec`` key (set by ``RGBDFolderDataset``),
            else ``'mmfer'``.
    """

    def __init__(self,
                 modalities: Sequence[str] = ('rgb', ),
                 depth_as_rgb: bool = False,
                 thermal_range: Tuple[float, float] = (20.0, 40.0),
                 depth_codec: Optional[str] = None):
        modalities = check_modalities(modalities, 'LoadFaceModalities')
        other = [m for m in modalities if m not in LOADABLE_MODALITIES]
        if other:
            raise ValueError(
                f'LoadFaceModalities reads {LOADABLE_MODALITIES}, not '
                f'{other}; load parsing maps with their own transform and '
                'compute derived modalities in a later pipeline step.')
        if depth_as_rgb and tuple(modalities) != ('depth', ):
            raise ValueError('depth_as_rgb=True needs modalities=("depth",)')
        self.modalities = tuple(modalities)
        self.depth_as_rgb = depth_as_rgb
        self.thermal_range = tuple(thermal_range)
        if depth_codec is not None and depth_codec not in DEPTH_PNG_DECODERS:
            raise ValueError(
                f'LoadFaceModalities: depth_codec must be None or one of '
                f'{sorted(DEPTH_PNG_DECODERS)}, got {depth_codec!r}.')
        self.depth_codec = depth_codec

    def _load(self, modality: str, path: str,
              depth_codec: str = 'mmfer') -> np.ndarray:
        if modality == 'rgb':
            img = read_image_file(path, cv2.IMREAD_COLOR)
            return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        if modality == 'gray':
            return read_image_file(path, cv2.IMREAD_GRAYSCALE)[..., None]
        raw = read_image_file(path, cv2.IMREAD_UNCHANGED)
        if modality == 'depth':
            if depth_codec not in DEPTH_PNG_DECODERS:
                raise ValueError(
                    f'{path}: unknown depth_codec {depth_codec!r} (from the '
                    f'sample); valid: {sorted(DEPTH_PNG_DECODERS)}.')
            decode = DEPTH_PNG_DECODERS[depth_codec]
            return decode(raw, source=path)[..., None]
        return thermal_png_to_uint8(raw, self.thermal_range,
                                    source=path)[..., None]

    def transform(self, results: Dict) -> Optional[Dict]:
        arrays = []
        for modality in self.modalities:
            key = path_key(modality)
            if key not in results or results[key] is None:
                raise KeyError(
                    f'LoadFaceModalities needs "{key}" for modality '
                    f'"{modality}", but the sample has keys '
                    f'{sorted(results)}. Does the dataset provide it?')
            codec = self.depth_codec or results.get('depth_codec',
                                                     'mmfer')
            arr = self._load(modality, results[key], codec)
            if arrays and arr.shape[:2] != arrays[0].shape[:2]:
                raise ValueError(
                    f'Modalities of one sample differ in size: '
                    f'{self.modalities[0]} {arrays[0].shape[:2]} vs '
                    f'{modality} {arr.shape[:2]} ({results[key]}). Align '
                    'them first (see tools/dataset_converters/).')
            arrays.append(arr)
        img = np.concatenate(arrays, axis=2)
        names = list(channel_names(self.modalities))
        if self.depth_as_rgb:
            img = np.repeat(img, 3, axis=2)
            names = names * 3
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        results['modalities'] = self.modalities
        results['channel_names'] = tuple(names)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modalities={self.modalities}, '
                f'depth_as_rgb={self.depth_as_rgb}, '
                f'thermal_range={self.thermal_range}, '
                f'depth_codec={self.depth_codec!r})')
