"""Loading face images of several modalities into one H×W×C array."""
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.structures.codecs import (DEPTH_BACKGROUND_CODE,
                                     DEPTH_BACKGROUND_MM, THERMAL_SCALE,
                                     decode_depth, decode_thermal)
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


def _raw_range(raw: np.ndarray) -> str:
    """``'raw uint16 min A, median B, max C'`` of a PNG plane."""
    return (f'raw uint16 min {int(raw.min())}, median '
            f'{int(np.median(raw))}, max {int(raw.max())}')


def _check_not_constant(channel: np.ndarray, raw: np.ndarray, what: str,
                        source: str, fix: str) -> np.ndarray:
    """Return ``channel``, or raise if decoding left it one value.

    A decoded (H, W) uint8 channel with a single value carries no
    information: the file is blank or stored in other units than the
    decoder reads.
    """
    if channel.size and channel.min() == channel.max():
        raise ValueError(
            f'{source}: the {what} channel decodes to the constant '
            f'{int(channel.flat[0])} ({_raw_range(raw)}). {fix}')
    return channel


def depth_png_to_uint8(raw: np.ndarray,
                       source: str = 'depth image') -> np.ndarray:
    """Map an mmfer depth PNG to uint8 with the nearest face point brightest.

    mmfer's depth PNG (written by SynthFace and by the preprocessing tools
    under ``tools/dataset_converters/``) stores depth in 0.1 mm units as
    uint16; 0 means "no return" and the far plane
    (:data:`~mmfer.structures.codecs.DEPTH_BACKGROUND_MM`) marks
    background. Both become 0; the face range is stretched to [1, 255]
    (see :func:`mmfer.structures.codecs.depth_to_uint8`).

    A file that decodes to one value (every pixel background / no return,
    e.g. depth written in 0.01 mm or µm so that all of it lies beyond the
    far plane, or a blank frame) is an error naming the file, its raw
    range and the fix.

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
    return _check_not_constant(
        depth_mm_to_uint8(depth_mm), raw, 'depth', source,
        "depth_codec='mmfer' reads uint16 0.1 mm units (round(mm * 10), "
        f'{DEPTH_BACKGROUND_CODE} = background, far plane '
        f'{DEPTH_BACKGROUND_MM:.0f} mm = {DEPTH_BACKGROUND_MM * 10:.0f}), '
        'so a face at 0.5-1.2 m is 5000-12000. Re-write the file in these '
        'units (tools/dataset_converters/bp4d_depth_from_mesh.py, '
        "mmfer.structures.codecs.encode_depth), set depth_codec='uint16_mm'"
        ' for raw Kinect millimetres, or remove the sample if the frame is '
        'blank.')


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
    d = raw.astype(np.float32)
    near, far = (float(d[valid].min()),
                 float(d[valid].max())) if valid.any() else (0.0, 0.0)
    v = 1 + 254 * (far - d) / max(far - near, 1e-6)
    channel = np.where(valid, np.clip(np.rint(v), 1, 255), 0).astype(np.uint8)
    return _check_not_constant(
        channel, raw, 'Kinect depth', source,
        "depth_codec='uint16_mm' reads uint16 millimetres with 0 = no "
        'reading; this file has no reading or a single depth value. Remove '
        "the sample if the frame is blank, or set depth_codec='mmfer' for "
        'files in 0.1 mm units.')


#: ``depth_codec`` of :class:`LoadFaceModalities` -> uint16 PNG decoder.
DEPTH_PNG_DECODERS = {'mmfer': depth_png_to_uint8,
                      'uint16_mm': kinect_depth_png_to_uint8}


#: Other encodings a thermal PNG may hold: (name, raw uint16 -> °C, how to
#: re-write it as mmfer's centi-°C). Used to name the likely units in the
#: error of :func:`thermal_png_to_uint8`.
THERMAL_UNIT_GUESSES = (
    ('centi-Kelvin (K * 100)', lambda r: r / 100.0 - 273.15,
     'code = raw - 27315'),
    ('whole Kelvin', lambda r: r - 273.15, 'code = (raw - 273.15) * 100'),
    ('whole °C', lambda r: r * 1.0, 'code = raw * 100'),
    ('deci-°C (°C * 10)', lambda r: r / 10.0, 'code = raw * 10'),
    ('milli-°C (°C * 1000)', lambda r: r / 1000.0, 'code = raw / 10'),
)


def _thermal_unit_hint(raw: np.ndarray, temp_range: Tuple[float,
                                                           float]) -> str:
    """Name the encoding under which the median raw value lies in range.

    Empty when the median already lies in range as centi-°C.
    """
    median = float(np.median(raw))
    low, high = temp_range
    if low <= median / THERMAL_SCALE <= high:
        return ''
    for name, to_celsius, rewrite in THERMAL_UNIT_GUESSES:
        temp = to_celsius(median)
        if low <= temp <= high:
            return (f' The values look like {name}: the median raw '
                    f'{median:.0f} is {temp:.2f} °C in those units; re-write '
                    f'the files with {rewrite}.')
    return ''


def thermal_png_to_uint8(raw: np.ndarray,
                         temp_range: Tuple[float, float] = (20.0, 40.0),
                         source: str = 'thermal image',
                         max_clipped_fraction: float = 0.5) -> np.ndarray:
    """Map an mmfer thermal PNG (uint16 centi-°C) to uint8 over a °C window.

    ``T = raw / 100`` °C (:func:`mmfer.structures.codecs.decode_thermal`;
    30-40 °C is stored as 3000-4000), then ``round(255 * clip((T - low) /
    (high - low), 0, 1))``. Pixels outside ``temp_range`` saturate at 0 or
    255; a face crop has a few (hair, background, a hot lamp). A file in
    other units (whole °C, centi-Kelvin, raw sensor counts) puts almost
    every pixel outside the window and would give a constant channel: if
    more than ``max_clipped_fraction`` of the pixels are outside, or the
    channel is constant, an error names the file, the raw and decoded
    range, ``thermal_range``, the likely units and the fix.

    Args:
        raw (np.ndarray): (H, W) uint16 thermal PNG content.
        temp_range (tuple): (low, high) °C mapped to 0 and 255.
        source (str): file name for error messages.
        max_clipped_fraction (float): largest fraction of pixels allowed
            outside ``temp_range``. Defaults to 0.5; 1 turns the check off
            (a constant channel is still an error).

    Returns:
        np.ndarray: (H, W) uint8.
    """
    raw = _uint16_plane(
        raw, 'Thermal', 'Write centi-degrees Celsius, e.g. convert raw or '
        'false-colour frames with '
        'tools/dataset_converters/bp4dplus_thermal.py.', source)
    low, high = temp_range
    temp = decode_thermal(raw)  # (H, W) °C
    norm = (temp - low) / (high - low)
    channel = (np.clip(norm, 0, 1) * 255).round().astype(np.uint8)
    clipped = float(np.mean((temp < low) | (temp > high)))
    constant = channel.size > 0 and channel.min() == channel.max()
    if clipped > max_clipped_fraction or constant:
        what = (f'decodes to the constant {int(channel.flat[0])}'
                if constant else 'would be mostly saturated')
        raise ValueError(
            f'{source}: the thermal channel {what}: {clipped:.0%} of the '
            f'pixels lie outside thermal_range={tuple(temp_range)} °C '
            f'({_raw_range(raw)}, i.e. {float(temp.min()):.2f} to '
            f'{float(temp.max()):.2f} °C read as centi-°C).'
            f'{_thermal_unit_hint(raw, temp_range)} mmfer reads thermal PNGs '
            f'as uint16 centi-degrees Celsius (code = round(°C * '
            f'{THERMAL_SCALE:.0f}), mmfer.structures.codecs.encode_thermal; '
            'BP4D+ ships false-colour video, converted by '
            'tools/dataset_converters/bp4dplus_thermal.py). Convert the '
            'files, set LoadFaceModalities(thermal_range=...) to the °C '
            'window of the data, raise thermal_max_clipped_fraction if most '
            'of the crop is meant to lie outside the window, or remove the '
            'sample if the frame is blank.')
    return channel


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
        thermal_max_clipped_fraction (float): a thermal file with more
            pixels outside ``thermal_range`` (or a constant channel) is an
            error: it is in other units than centi-°C (see
            :func:`thermal_png_to_uint8`). Defaults to 0.5; 1 turns the
            fraction check off.
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
                 depth_codec: Optional[str] = None,
                 thermal_max_clipped_fraction: float = 0.5):
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
        if len(self.thermal_range) != 2 or not (self.thermal_range[0] <
                                                self.thermal_range[1]):
            raise ValueError(
                'LoadFaceModalities: thermal_range must be (low, high) °C '
                f'with low < high, got {thermal_range!r}.')
        if not 0.0 <= thermal_max_clipped_fraction <= 1.0:
            raise ValueError(
                'LoadFaceModalities: thermal_max_clipped_fraction must be in '
                f'[0, 1], got {thermal_max_clipped_fraction!r}.')
        self.thermal_max_clipped_fraction = float(
            thermal_max_clipped_fraction)
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
        return thermal_png_to_uint8(
            raw, self.thermal_range, source=path,
            max_clipped_fraction=self.thermal_max_clipped_fraction)[..., None]

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
                f'depth_codec={self.depth_codec!r}, '
                'thermal_max_clipped_fraction='
                f'{self.thermal_max_clipped_fraction})')
