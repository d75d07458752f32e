"""Derived face modalities: gray, LBP, HOG and Gabor maps; channel groups.

CM-CNN (Ni et al., "Facial Expression Recognition Through Cross-Modality
Attention Fusion", IEEE TCDS 2023, Sec. III-B) converts the detected,
rotation-rectified RGB face to gray and computes its local binary pattern
(LBP) image (Eq. 2); its ablations (Tables II and III) swap LBP for a HOG
or a Gabor image. Each map here is one uint8 channel of the size of its
source, so it stacks with the other modalities of ``results['img']``
(rows ``gray``, ``lbp``, ``hog``, ``gabor`` of the modality table
:mod:`mmfer.structures.modalities`).

Values stay uint8 0-255; scaling to [0, 1] ("normalized to (0, 1)",
Sec. IV-B) is the data preprocessor's job (``mean=0, std=255``).
"""
import inspect
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS
from mmfer.structures.modalities import (channel_names, check_modalities,
                                         get_modality, split_channels)

#: LBP neighbours ``(dy, dx)``, bit ``n`` of the code is neighbour ``n``:
#: clockwise from the top-left pixel (bit 0) over the top (1), top-right
#: (2), right (3), bottom-right (4), bottom (5), bottom-left (6) to the left
#: pixel (bit 7).
LBP_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1),
               (0, -1))
#: ``method`` values of :func:`lbp_codes`; all but 'default' need
#: scikit-image (``skimage.feature.local_binary_pattern``).
LBP_METHODS = ('default', 'ror', 'uniform', 'nri_uniform', 'var')
TEXTURE_KINDS = ('lbp', 'hog', 'gabor')


def _as_gray(gray: np.ndarray, owner: str) -> np.ndarray:
    """(H, W) or (H, W, 1) real array -> (H, W)."""
    gray = np.asarray(gray)
    if gray.ndim == 3 and gray.shape[2] == 1:
        gray = gray[..., 0]
    if gray.ndim != 2 or not np.issubdtype(gray.dtype, np.number) or \
            min(gray.shape) < 1:
        raise ValueError(f'{owner} takes one (H, W) or (H, W, 1) gray '
                         f'image, got {gray.dtype} {gray.shape}; convert '
                         'RGB first (ConvertToGray).')
    return gray


def _to_uint8(response: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """Scale a non-negative map by its own maximum to 0-255; a map whose
    maximum is below ``floor`` (gray levels: a flat image up to float
    round-off) gives 0."""
    top = float(response.max())
    if not top > floor:
        return np.zeros(response.shape, np.uint8)
    return np.rint(response * (255.0 / top)).astype(np.uint8)


def lbp_codes(gray: np.ndarray, method: str = 'default') -> np.ndarray:
    """LBP codes of every pixel (CM-CNN Eq. 2), vectorised.

    ``LBP = sum_n S(g_n - g_c) * 2^n`` over the N = 8 neighbours at radius
    1 (the square 3 x 3 ring), ``S(x) = 1 if x >= 0 else 0`` (a tie sets the
    bit). Eq. (2) counts n from 1 and writes ``2^n``; the bits here are
    ``2^0 .. 2^7`` (Ojala's weights) so the codes are 0-255. Bit order:
    :data:`LBP_OFFSETS` (clockwise from the top-left neighbour, bit 0).
    Border: the image is edge-replicated by one pixel, so a neighbour
    outside the image equals the nearest edge pixel.

    Args:
        gray (np.ndarray): (H, W) or (H, W, 1) gray image (any real dtype;
            compared as is).
        method (str): ``'default'`` (the above, numpy only) or a
            scikit-image variant, P=8, R=1 (``skimage.feature.
            local_binary_pattern``, which samples a circle, with its own
            bit order and border handling): ``'ror'`` (rotation-invariant,
            0-255), ``'uniform'`` (0-9), ``'nri_uniform'`` (0-58),
            ``'var'`` (neighbour variance; returned as its square root,
            the neighbours' std in gray levels, rounded and clipped to
            0-255). Default: ``'default'``.

    Returns:
        np.ndarray: (H, W) uint8 codes.

    Example:
        >>> int(lbp_codes(np.array([[10, 20, 30], [40, 25, 25],
        ...                         [5, 60, 24]]))[1, 1])
        172
    """
    if method not in LBP_METHODS:
        raise ValueError(f'lbp_codes: method must be one of {LBP_METHODS}, '
                         f'got {method!r}')
    gray = _as_gray(gray, 'lbp_codes')
    if method != 'default':
        return _skimage_lbp(gray, method)
    H, W = gray.shape
    pad = np.pad(gray, 1, mode='edge')                      # (H + 2, W + 2)
    centre = pad[1:H + 1, 1:W + 1]
    codes = np.zeros((H, W), np.uint8)
    for bit, (dy, dx) in enumerate(LBP_OFFSETS):
        neighbour = pad[1 + dy:1 + dy + H, 1 + dx:1 + dx + W]
        # Eq. (2): S(g_n - g_c) * 2^n with S(x) = [x >= 0]
        codes |= (neighbour >= centre).astype(np.uint8) << bit
    return codes


def lbp_codes_bruteforce(gray: np.ndarray) -> np.ndarray:
    """Pixel-by-pixel reference of :func:`lbp_codes` (``'default'``).

    Slow (a Python loop per pixel); only for testing the vectorised one.
    """
    gray = _as_gray(gray, 'lbp_codes_bruteforce')
    H, W = gray.shape
    codes = np.zeros((H, W), np.uint8)
    for y in range(H):
        for x in range(W):
            code = 0
            for bit, (dy, dx) in enumerate(LBP_OFFSETS):
                ny = min(max(y + dy, 0), H - 1)   # edge replication
                nx = min(max(x + dx, 0), W - 1)
                if gray[ny, nx] >= gray[y, x]:
                    code += 2**bit
            codes[y, x] = code
    return codes


def _skimage_lbp(gray: np.ndarray, method: str) -> np.ndarray:
    try:
        from skimage.feature import local_binary_pattern
    except ImportError as err:
        raise ImportError(
            f"lbp_codes(method={method!r}) uses scikit-image, which mmfer "
            "does not depend on: pip install scikit-image, or use "
            "method='default' (Eq. 2, numpy only).") from err
    codes = local_binary_pattern(gray, P=8, R=1, method=method)
    if method == 'var':
        codes = np.sqrt(np.nan_to_num(codes, nan=0.0))
    return np.clip(np.rint(codes), 0, 255).astype(np.uint8)


def hog_map(gray: np.ndarray, bins: int = 9, cell: int = 8,
            signed: bool = False) -> np.ndarray:
    """A one-channel HOG image: the dominant orientation's gradient energy.

    HOG (Dalal and Triggs, CVPR 2005; CM-CNN Tables II/III, "H") describes
    a cell by its histogram of gradient orientations weighted by gradient
    magnitude. As one image channel of the face's size this gives, at
    every pixel, the height of the highest bin of the histogram of the
    ``cell`` x ``cell`` window centred on it:

    1. ``gx, gy``: 3 x 3 Sobel derivatives (``cv2.Sobel``, reflected
       border), magnitude ``m = sqrt(gx^2 + gy^2)``;
    2. orientation ``atan2(gy, gx)`` folded to [0, 180) degrees (``signed``:
       [0, 360)), binned into ``bins`` equal bins (9 bins of 20 degrees);
    3. per bin, the sum of ``m`` over the window around each pixel (box
       filter, reflected border): the (H, W, bins) local histograms;
    4. the maximum over the bins, scaled by the image's own maximum to
       0-255 (a flat image gives 0).

    Strong, consistently oriented edges (eyelids, brows, lips, nasolabial
    folds) are bright; flat skin is dark; the orientation itself is not
    kept.

    Args:
        gray (np.ndarray): (H, W) or (H, W, 1) gray image.
        bins (int): orientation bins. Default: 9.
        cell (int): side of the histogram window in pixels. Default: 8.
        signed (bool): distinguish opposite gradient directions.
            Default: False.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    if int(bins) < 1 or int(cell) < 1:
        raise ValueError(f'hog_map: bins and cell must be >= 1, got '
                         f'bins={bins}, cell={cell}')
    g = _as_gray(gray, 'hog_map').astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt(gx * gx + gy * gy)                                # (H, W)
    period = 360.0 if signed else 180.0
    ang = np.mod(np.degrees(np.arctan2(gy, gx)), period)
    idx = np.minimum((ang * (bins / period)).astype(np.int64), bins - 1)
    hist = np.stack([
        cv2.boxFilter(np.where(idx == b, mag, 0).astype(np.float32), -1,
                      (int(cell), int(cell)), normalize=False)
        for b in range(int(bins))
    ], -1)                                                    # (H, W, bins)
    return _to_uint8(hist.max(-1))


def gabor_bank(orientations: int = 8,
               wavelengths: Sequence[float] = (4.0, 5.66, 8.0, 11.31, 16.0),
               sigma_ratio: float = 0.56,
               gamma: float = 1.0) -> Tuple[Tuple[np.ndarray, np.ndarray],
                                            ...]:
    """Quadrature pairs of Gabor kernels (``cv2.getGaborKernel``).

    Orientations ``k * 180 / orientations`` degrees; for each wavelength λ
    (pixels per cycle) the Gaussian envelope has ``sigma = sigma_ratio *
    λ`` (0.56: a half-amplitude bandwidth of one octave) and aspect
    ``gamma``; the kernel side is ``2 * ceil(3 * sigma / min(gamma, 1)) +
    1``. The defaults, 8 orientations x 5 scales a half-octave apart from
    4 to 16 px, follow the face bank of Liu and Wechsler (IEEE TIP 2002,
    CM-CNN ref. [27]). Each kernel has its mean removed, so a flat region
    gives no response, and is divided by its L1 norm, so a response is at
    most the image's gray-level range.

    Returns:
        tuple: ``(even, odd)`` float32 kernel pairs, orientation-major.
    """
    if int(orientations) < 1 or not len(wavelengths):
        raise ValueError('gabor_bank needs orientations >= 1 and at least '
                         f'one wavelength, got {orientations}, '
                         f'{wavelengths}')
    bank = []
    for k in range(int(orientations)):
        theta = np.pi * k / int(orientations)
        for lambd in wavelengths:
            sigma = sigma_ratio * float(lambd)
            half = int(np.ceil(3 * sigma / min(gamma, 1.0)))
            pair = []
            for psi in (0.0, np.pi / 2):
                kern = cv2.getGaborKernel((2 * half + 1, ) * 2, sigma, theta,
                                          float(lambd), gamma, psi,
                                          ktype=cv2.CV_32F)
                kern = kern - kern.mean()         # no response to flat
                pair.append(kern / np.abs(kern).sum())
            bank.append(tuple(pair))
    return tuple(bank)


def gabor_map(gray: np.ndarray, orientations: int = 8,
              wavelengths: Sequence[float] = (4.0, 5.66, 8.0, 11.31, 16.0),
              sigma_ratio: float = 0.56, gamma: float = 1.0) -> np.ndarray:
    """A one-channel Gabor image: the largest response over a bank.

    For every kernel pair of :func:`gabor_bank` the response energy
    ``sqrt(even^2 + odd^2)`` (``cv2.filter2D``, reflected border) is taken;
    the map is its maximum over all orientations and scales, scaled by the
    image's own maximum to 0-255 (a flat image gives 0). CM-CNN Tables
    II/III, "B".

    Args:
        gray (np.ndarray): (H, W) or (H, W, 1) gray image.
        orientations, wavelengths, sigma_ratio, gamma: see
            :func:`gabor_bank`.

    Returns:
        np.ndarray: (H, W) uint8.
    """
    g = _as_gray(gray, 'gabor_map').astype(np.float32)
    best = np.zeros(g.shape, np.float32)
    for even, odd in gabor_bank(orientations, wavelengths, sigma_ratio,
                                gamma):
        re = cv2.filter2D(g, cv2.CV_32F, even)
        im = cv2.filter2D(g, cv2.CV_32F, odd)
        np.maximum(best, np.sqrt(re * re + im * im), out=best)
    return _to_uint8(best)


TEXTURE_FUNCTIONS = dict(lbp=lbp_codes, hog=hog_map, gabor=gabor_map)


def _groups(results: Dict, owner: str) -> Tuple[Tuple[str, ...], Dict]:
    """``results['modalities']`` and img's channel groups, checked."""
    if 'img' not in results or 'modalities' not in results:
        raise KeyError(f'{owner} needs "img" and "modalities" (added by '
                       'LoadFaceModalities); the sample has keys '
                       f'{sorted(results)}.')
    modalities = check_modalities(results['modalities'], owner)
    return modalities, split_channels(results['img'], modalities, owner)


def _stack(results: Dict, groups: Dict[str, np.ndarray]) -> Dict:
    """Write channel groups (modality -> (H, W, c)) back into results."""
    results['img'] = np.concatenate(list(groups.values()), axis=2)
    results['modalities'] = tuple(groups)
    results['channel_names'] = channel_names(tuple(groups))
    results['img_shape'] = results['img'].shape[:2]
    return results


def _source_file(results: Dict) -> str:
    return str(results.get('img_path', '<no img_path>'))


@TRANSFORMS.register_module()
class ConvertToGray(BaseTransform):
    """Replace the RGB channels by one gray channel (CM-CNN Sec. III-B).

    ``Y = 0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601, ``cv2.cvtColor``
    with ``COLOR_RGB2GRAY``), rounded to uint8.

    **Required Keys:** ``img`` (H, W, C) uint8 with an ``rgb`` group,
    ``modalities``.

    **Modified Keys:** ``img``, ``modalities`` (``gray`` where ``rgb`` was;
    after it with ``keep_rgb``), ``channel_names``, ``img_shape``.

    Args:
        keep_rgb (bool): keep the RGB channels too. Default: False.

    Example:
        >>> out = ConvertToGray()(dict(img=np.zeros((4, 4, 4), np.uint8),
        ...                            modalities=('rgb', 'depth')))
        >>> out['img'].shape, out['modalities'], out['channel_names']
        ((4, 4, 2), ('gray', 'depth'), ('Y', 'D'))
    """

    def __init__(self, keep_rgb: bool = False):
        self.keep_rgb = bool(keep_rgb)

    def transform(self, results: Dict) -> Dict:
        modalities, groups = _groups(results, 'ConvertToGray')
        if 'rgb' not in groups or 'gray' in groups:
            raise ValueError(
                f'ConvertToGray needs an rgb group and no gray one; '
                f'{_source_file(results)} has modalities {modalities}. Load '
                "modalities=('rgb', ...) or drop ConvertToGray.")
        rgb = np.ascontiguousarray(groups['rgb'])
        if rgb.dtype != np.uint8:
            raise ValueError(f'ConvertToGray takes uint8 RGB, got '
                             f'{rgb.dtype} ({_source_file(results)})')
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None]  # (H, W, 1)
        out = {}
        for name, group in groups.items():
            if name == 'rgb':
                if self.keep_rgb:
                    out['rgb'] = group
                out['gray'] = gray
            else:
                out[name] = group
        return _stack(results, out)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(keep_rgb={self.keep_rgb})'


@TRANSFORMS.register_module()
class ComputeTexture(BaseTransform):
    """Append a texture channel computed from a gray channel.

    ``kind='lbp'``: :func:`lbp_codes` (CM-CNN Eq. 2: 8 neighbours, radius
    1, ``S(x) = [x >= 0]``, bit order :data:`LBP_OFFSETS`, edge-replicated
    border); ``'hog'``: :func:`hog_map`; ``'gabor'``: :func:`gabor_map`
    (the "H" and "B" inputs of CM-CNN Tables II/III). Compute it after
    :class:`~.AlignFace` (on the aligned 148 x 148 gray face), as CM-CNN
    does, rather than aligning a texture map: LBP codes are bit patterns
    that must not be interpolated.

    **Required Keys:** ``img`` (H, W, C) with a one-channel ``source``
    group, ``modalities``.

    **Modified Keys:** ``img`` (one more channel, last), ``modalities``
    (``kind`` appended), ``channel_names``.

    Args:
        kind (str): ``'lbp'``, ``'hog'`` or ``'gabor'``. Default: ``'lbp'``.
        source (str): the one-channel modality it is computed from; the
            modality table derives all three from ``'gray'``.
            Default: ``'gray'``.
        **kind_params: keyword arguments of the function, e.g.
            ``method='uniform'`` (LBP, needs scikit-image), ``bins=9,
            cell=8`` (HOG), ``orientations=8, wavelengths=(4, 8)`` (Gabor).

    Example:
        >>> t = ComputeTexture('lbp')
        >>> out = t(dict(img=np.zeros((4, 4, 1), np.uint8),
        ...              modalities=('gray', )))
        >>> out['img'].shape, out['modalities'], out['channel_names']
        ((4, 4, 2), ('gray', 'lbp'), ('Y', 'L'))
    """

    def __init__(self, kind: str = 'lbp', source: str = 'gray',
                 **kind_params):
        if kind not in TEXTURE_KINDS:
            raise ValueError(f'ComputeTexture: kind must be one of '
                             f'{TEXTURE_KINDS}, got {kind!r}')
        if get_modality(source).channels != 1:
            raise ValueError(
                f'ComputeTexture: source must be a one-channel modality '
                f'(e.g. gray), got {source!r}; put ConvertToGray first and '
                "use source='gray'.")
        func = TEXTURE_FUNCTIONS[kind]
        try:                                     # bad params fail here
            inspect.signature(func).bind(None, **kind_params)
        except TypeError as err:
            params = list(inspect.signature(func).parameters)[1:]
            raise TypeError(f'ComputeTexture(kind={kind!r}): {err}; valid '
                            f'parameters: {params}') from None
        if kind == 'lbp' and kind_params.get('method', 'default') != \
                'default':
            lbp_codes(np.zeros((3, 3), np.uint8), kind_params['method'])
        self.kind, self.source = kind, source
        self.kind_params = dict(kind_params)

    def transform(self, results: Dict) -> Dict:
        modalities, groups = _groups(results, 'ComputeTexture')
        if self.source not in groups:
            raise ValueError(
                f'ComputeTexture(kind={self.kind!r}) needs the '
                f'{self.source!r} channel, but {_source_file(results)} has '
                f'modalities {modalities}; add ConvertToGray before it.')
        if self.kind in groups:
            raise ValueError(f'ComputeTexture: {_source_file(results)} '
                             f'already has a {self.kind!r} channel '
                             f'(modalities {modalities}).')
        src = groups[self.source][..., 0]                         # (H, W)
        texture = TEXTURE_FUNCTIONS[self.kind](src, **self.kind_params)
        groups[self.kind] = texture[..., None].astype(
            results['img'].dtype)                                 # (H, W, 1)
        return _stack(results, groups)

    def __repr__(self) -> str:
        params = ''.join(f', {k}={v!r}' for k, v in self.kind_params.items())
        return (f'{type(self).__name__}(kind={self.kind!r}, '
                f'source={self.source!r}{params})')


@TRANSFORMS.register_module()
class SelectModalities(BaseTransform):
    """Keep and reorder channel groups of ``img`` by modality name.

    E.g. after ``ConvertToGray`` and ``ComputeTexture('lbp')`` the stack is
    ``('gray', 'depth', 'lbp')``; ``SelectModalities(('gray', 'lbp',
    'depth'))`` gives CM-CNN's gray / LBP / depth order. Channel ranges
    come from the modality table.

    **Required Keys:** ``img`` (H, W, C), ``modalities``.

    **Modified Keys:** ``img``, ``modalities``, ``channel_names``.

    Args:
        modalities (Sequence[str]): the groups to keep, in output order.
            Default: ``('gray', 'lbp', 'depth')``.
    """

    def __init__(self,
                 modalities: Sequence[str] = ('gray', 'lbp', 'depth')):
        self.modalities = check_modalities(modalities, 'SelectModalities')

    def transform(self, results: Dict) -> Dict:
        present, groups = _groups(results, 'SelectModalities')
        missing = [m for m in self.modalities if m not in groups]
        if missing:
            raise ValueError(
                f'SelectModalities{self.modalities}: {_source_file(results)}'
                f' has no {missing} (modalities {present}). Load them '
                '(LoadFaceModalities) or compute them first (ConvertToGray, '
                'ComputeTexture).')
        return _stack(results, {m: groups[m] for m in self.modalities})

    def __repr__(self) -> str:
        return f'{type(self).__name__}(modalities={self.modalities})'
