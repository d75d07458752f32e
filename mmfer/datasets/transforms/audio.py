"""Kaldi-compatible log-mel filterbanks of a clip's audio track (MMA-DFER).

MMA-DFER (Chumachenko et al., "MMA-DFER: MultiModal Adaptation of unimodal
models for Dynamic Facial Expression Recognition in-the-wild", CVPRW 2024,
https://arxiv.org/abs/2404.09010) feeds AudioMAE a 512 x 128 log-mel
spectrogram computed as in AudioMAE / AST: the waveform at its native rate
minus its mean, ``torchaudio.compliance.kaldi.fbank(waveform,
htk_compat=True, sample_frequency=sr, use_energy=False,
window_type='hanning', num_mel_bins=128, dither=0.0, frame_shift=10)``,
zero-padded or cut to 512 frames and normalised with the AudioSet
statistics ``(fbank + 4.2677393) / (4.5689974 * 2)``.

mmfer computes the same features with numpy (librosa only loads and, if
asked, resamples the file): :func:`kaldi_fbank` re-implements Kaldi's
framing (``snip_edges``, per-frame DC removal, pre-emphasis 0.97, Hanning
window, zero-padding to a power of two), the power spectrum, Kaldi's
triangular mel banks (triangles in HTK mel space ``1127 ln(1 + f / 700)``,
no area normalisation, unlike librosa's Slaney banks) and the log with a
float32-epsilon floor.
"""
import os.path as osp
import struct
import warnings
from functools import lru_cache
from typing import NamedTuple, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmfer.registry import TRANSFORMS

#: ``torch.finfo(torch.float32).eps``: Kaldi's / torchaudio's log floor.
FLOAT32_EPS = float(np.finfo(np.float32).eps)
#: AudioSet fbank statistics used by AudioMAE and MMA-DFER.
AUDIOSET_MEAN = -4.2677393
AUDIOSET_STD = 4.5689974


def mel_scale(freq):
    """HTK mel scale ``1127 ln(1 + f / 700)`` (Kaldi's ``MelScale``)."""
    return 1127.0 * np.log1p(np.asarray(freq, dtype=np.float64) / 700.0)


@lru_cache(maxsize=16)
def kaldi_mel_banks(num_bins: int,
                    padded_window_size: int,
                    sample_rate: float,
                    low_freq: float = 20.0,
                    high_freq: float = 0.0) -> np.ndarray:
    """Kaldi's triangular mel filterbank matrix.

    Bin ``m`` is a triangle over FFT bins whose mel value lies in
    ``(left_m, right_m)``, peaking (weight 1) at ``center_m``; the bin edges
    are equally spaced in mel between ``mel(low_freq)`` and
    ``mel(high_freq)``. The Nyquist FFT bin gets weight 0 (as in Kaldi,
    which only uses ``padded_window_size / 2`` bins).

    Args:
        num_bins (int): number of mel bins.
        padded_window_size (int): FFT size.
        sample_rate (float): sampling rate in Hz.
        low_freq (float): lowest frequency. Defaults to 20 Hz (Kaldi).
        high_freq (float): highest frequency; <= 0 means Nyquist plus this
            value. Defaults to 0 (Nyquist).

    Returns:
        np.ndarray: (num_bins, padded_window_size // 2 + 1) float64 weights.
    """
    nyquist = 0.5 * sample_rate
    if high_freq <= 0.0:
        high_freq += nyquist
    if not 0.0 <= low_freq < high_freq <= nyquist:
        raise ValueError(
            f'Bad mel frequency range: low_freq={low_freq}, high_freq='
            f'{high_freq}, Nyquist={nyquist} (sample rate {sample_rate}).')
    num_fft_bins = padded_window_size // 2
    fft_bin_width = sample_rate / padded_window_size
    mel_low, mel_high = mel_scale(low_freq), mel_scale(high_freq)
    delta = (mel_high - mel_low) / (num_bins + 1)
    edges = mel_low + delta * np.arange(num_bins + 2)  # (num_bins + 2, )
    left, center, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    mel = mel_scale(fft_bin_width * np.arange(num_fft_bins))[None]  # (1, F)
    up = (mel - left) / (center - left)  # (num_bins, F)
    down = (right - mel) / (right - center)
    banks = np.maximum(0.0, np.minimum(up, down))
    return np.pad(banks, ((0, 0), (0, 1)))  # (num_bins, F + 1): Nyquist = 0


def _window(window_type: str, size: int) -> np.ndarray:
    """Kaldi's frame windows (``FeatureWindowFunction``)."""
    n = np.arange(size, dtype=np.float64)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / (size - 1))
    if window_type == 'hanning':
        return hann
    if window_type == 'povey':
        return hann**0.85
    if window_type == 'hamming':
        return 0.54 - 0.46 * np.cos(2 * np.pi * n / (size - 1))
    if window_type == 'rectangular':
        return np.ones(size)
    raise ValueError(f'Unknown window_type {window_type!r}; valid ones are '
                     "'hanning', 'povey', 'hamming', 'rectangular'.")


def kaldi_fbank(waveform: np.ndarray,
                sample_rate: float,
                num_mel_bins: int = 128,
                frame_length: float = 25.0,
                frame_shift: float = 10.0,
                window_type: str = 'hanning',
                preemphasis: float = 0.97,
                low_freq: float = 20.0,
                high_freq: float = 0.0) -> np.ndarray:
    """Log-mel filterbank identical to Kaldi's / torchaudio's ``fbank``.

    Matches ``torchaudio.compliance.kaldi.fbank`` with ``dither=0``,
    ``use_energy=False``, ``snip_edges=True``, ``remove_dc_offset=True``,
    ``round_to_power_of_two=True``, ``use_power=True`` and
    ``use_log_fbank=True`` (``htk_compat`` only moves the energy column,
    which is not computed).

    Args:
        waveform (np.ndarray): (N,) samples (float, any scale).
        sample_rate (float): sampling rate in Hz.
        num_mel_bins (int): mel bins. Defaults to 128.
        frame_length (float): window length in ms. Defaults to 25.
        frame_shift (float): hop in ms. Defaults to 10.
        window_type (str): 'hanning' (MMA-DFER/AudioMAE), 'povey' (Kaldi's
            default), 'hamming' or 'rectangular'.
        preemphasis (float): pre-emphasis coefficient. Defaults to 0.97.
        low_freq (float): lowest mel frequency. Defaults to 20 Hz.
        high_freq (float): highest one; <= 0 is relative to Nyquist.

    Returns:
        np.ndarray: (num_frames, num_mel_bins) float32 log energies, where
        ``num_frames = 1 + (N - window) // shift`` (0 if N < window).

    Example:
        >>> wave = np.random.default_rng(0).standard_normal(16000)
        >>> kaldi_fbank(wave, 16000).shape
        (98, 128)
    """
    wave = np.asarray(waveform, dtype=np.float64)
    if wave.ndim != 1:
        raise ValueError(f'kaldi_fbank expects a 1-D waveform, got shape '
                         f'{wave.shape}; select a channel first.')
    # same float arithmetic as torchaudio's _get_waveform_and_window_properties
    shift = int(sample_rate * frame_shift * 0.001)
    size = int(sample_rate * frame_length * 0.001)
    padded = 1 << (size - 1).bit_length()  # next power of two
    if wave.size < size:
        return np.zeros((0, num_mel_bins), np.float32)
    num_frames = 1 + (wave.size - size) // shift
    frames = np.lib.stride_tricks.sliding_window_view(
        wave, size)[::shift][:num_frames]  # (F, size)
    frames = frames - frames.mean(axis=1, keepdims=True)  # remove DC offset
    if preemphasis != 0.0:
        # x[i] -= p * x[i - 1], with x[-1] := x[0] (Kaldi's convention)
        previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
        frames = frames - preemphasis * previous
    frames = frames * _window(window_type, size)[None]
    spectrum = np.abs(np.fft.rfft(frames, n=padded, axis=1))**2  # (F, P/2+1)
    banks = kaldi_mel_banks(num_mel_bins, padded, float(sample_rate),
                            float(low_freq), float(high_freq))
    mel = spectrum @ banks.T  # (F, num_mel_bins)
    return np.log(np.maximum(mel, FLOAT32_EPS)).astype(np.float32)


#: What :class:`LoadAudioFbank` does with a truncated audio file.
ON_TRUNCATED = ('error', 'pad', 'zero')
#: The fix every unreadable-audio message names.
REEXTRACT_FIX = (
    'Re-extract it with tools/dataset_converters/extract_audio.py (--force '
    'overwrites the bad file) or remove the clip from the annotation file.')
#: RIFF/WAVE format tags whose data chunk holds ``block_align`` bytes per
#: frame (PCM, IEEE float, A-law, mu-law, extensible); compressed tags
#: (ADPCM, MP3, ...) pack many frames per block and are not checked.
_FRAME_ALIGNED_WAV_TAGS = (0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE)
#: Data-chunk sizes meaning "unknown" (streaming writers leave these).
_UNKNOWN_WAV_SIZES = (0, 0xFFFFFFFF)
#: First bytes of the wav variants libsndfile reads (RIFF, big-endian RIFX,
#: RF64, Sony Wave64).
_WAV_MAGICS = (b'RIFF', b'RIFX', b'RF64', b'riff')


class TruncatedAudioError(ValueError):
    """An audio file holds fewer samples than its header declares.

    Args:
        path (str): the file.
        header_frames (int): frames (samples per channel) the header
            declares.
        frames_read (int): frames that could be decoded.
        sample_rate (int): the file's rate.
    """

    def __init__(self, path: str, header_frames: int, frames_read: int,
                 sample_rate: int):
        self.path = path
        self.header_frames = header_frames
        self.frames_read = frames_read
        #: what is wrong, without the fix (for warnings)
        self.summary = (
            f'Audio file {path} is truncated: its header declares '
            f'{header_frames} frames ({header_frames / sample_rate:.2f} s at '
            f'{sample_rate} Hz) but only {frames_read} could be read '
            f'({frames_read / sample_rate:.2f} s)')
        super().__init__(
            f'{self.summary}. {REEXTRACT_FIX} To keep training anyway, set '
            "LoadAudioFbank(on_truncated='pad') (use the samples that are "
            "there) or on_truncated='zero' (treat the clip as having no "
            'audio, has_audio=False).')


def wav_header_frames(path: str) -> Optional[int]:
    """Frame count a RIFF/WAVE file's header declares.

    ``data`` chunk size // ``block_align`` of the ``fmt `` chunk. Decoders
    (libsndfile, Python's ``wave``) silently clip this to what the file
    holds, so comparing it with the frames decoded is how a truncated file
    is found.

    Args:
        path (str): audio file.

    Returns:
        int or None: the declared frames; None when the file is not a
        little-endian RIFF/WAVE file, its format packs several frames per
        block, or its data size is a streaming placeholder (0 or
        0xFFFFFFFF).

    Raises:
        ValueError: the file starts as a wav but ends inside its header
            (before the ``data`` chunk).
    """
    with open(path, 'rb') as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b'RIFF' or head[8:12] != b'WAVE':
            return None
        fmt_tag = block_align = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise ValueError(
                    f'Audio file {path} is truncated inside its wav header '
                    f'({osp.getsize(path)} bytes, no data chunk). '
                    f'{REEXTRACT_FIX}')
            chunk_id = chunk[:4]
            size = struct.unpack('<I', chunk[4:])[0]
            if chunk_id == b'data':
                if (block_align is None or block_align == 0
                        or fmt_tag not in _FRAME_ALIGNED_WAV_TAGS
                        or size in _UNKNOWN_WAV_SIZES):
                    return None
                return size // block_align
            if chunk_id == b'fmt ' and size >= 16:
                fmt = f.read(16)
                if len(fmt) < 16:
                    continue  # next read hits the end: truncated header
                # tag, channels, rate, byte rate, block align, bits
                fmt_tag, _, _, _, block_align, _ = struct.unpack(
                    '<HHIIHH', fmt)
                size -= 16
            f.seek(size + (size & 1), 1)  # chunks are padded to even sizes


class DecodedAudio(NamedTuple):
    """What :func:`read_audio_file` returns.

    Attributes:
        waveform (np.ndarray): (C, N) float32 samples at ``sample_rate``.
        sample_rate (int): rate of ``waveform``.
        native_rate (int): the file's rate.
        header_frames (int or None): frames the file's header declares at
            its native rate (None: unknown, see :func:`wav_header_frames`).
        frames_read (int): frames decoded at the native rate.
    """
    waveform: np.ndarray
    sample_rate: int
    native_rate: int
    header_frames: Optional[int]
    frames_read: int

    @property
    def truncated(self) -> bool:
        """Whether fewer frames were decoded than the header declares."""
        return (self.header_frames is not None
                and self.frames_read < self.header_frames)


def _check_wav_signature(path: str) -> None:
    """Raise a clear error for an empty file or a non-wav under a .wav name."""
    size = osp.getsize(path)
    if size == 0:
        raise ValueError(f'Audio file {path} is empty (0 bytes). '
                         f'{REEXTRACT_FIX}')
    if osp.splitext(path)[1].lower() not in ('.wav', '.wave'):
        return
    with open(path, 'rb') as f:
        magic = f.read(12)
    if magic[:4] not in _WAV_MAGICS:
        raise ValueError(
            f'Audio file {path} is not a wav file: it starts with '
            f'{magic!r} ({size} bytes) where a wav starts with '
            f"b'RIFF'. {REEXTRACT_FIX}")


def read_audio_file(path: str,
                    sample_rate: Optional[int] = None) -> DecodedAudio:
    """Decode an audio file as float32 (C, N) and report its header count.

    Files libsndfile opens (wav, flac, ogg, ...) are read with soundfile at
    the native rate and, if ``sample_rate`` is given, resampled with
    ``librosa.resample(res_type='soxr_hq')``: the same samples as
    ``librosa.load(path, sr=sample_rate, mono=False)``. Other containers
    (e.g. m4a) go through ``librosa.load``'s audioread fallback and have no
    header count. The caller decides what a truncated file means
    (:attr:`DecodedAudio.truncated`).

    Args:
        path (str): audio file.
        sample_rate (int, optional): resample to this rate; None keeps the
            file's rate (MMA-DFER).

    Returns:
        DecodedAudio: waveform (C, N), its rate, the header's and the
        decoded frame counts.

    Raises:
        FileNotFoundError: no such file.
        ValueError: empty, not a wav under a .wav name, undecodable, or
            without samples; the message names the file and the fix.
    """
    import librosa
    import soundfile as sf
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Audio file not found: {path}. Extract the audio tracks with '
            'tools/dataset_converters/extract_audio.py, or check data_root.')
    _check_wav_signature(path)
    header_frames = wav_header_frames(path)
    try:
        with sf.SoundFile(path) as sound:
            native_rate = int(sound.samplerate)
            if (header_frames is None and sound.format == 'FLAC'
                    and 0 < sound.frames < 2**62):
                header_frames = int(sound.frames)  # STREAMINFO total samples
            try:
                wave = sound.read(dtype='float32', always_2d=True).T
            except sf.LibsndfileError as err:  # e.g. a cut FLAC stream
                raise ValueError(
                    f'Cannot decode audio file {path}: {err} (header: '
                    f'{header_frames} frames at {native_rate} Hz; the file '
                    f'is probably truncated). {REEXTRACT_FIX}') from err
    except sf.LibsndfileError as err:
        if header_frames is not None or osp.splitext(path)[1].lower() in (
                '.wav', '.wave'):
            raise ValueError(f'Cannot decode audio file {path} ({err}). '
                             f'{REEXTRACT_FIX}') from err
        wave, native_rate = _load_with_audioread(path, sample_rate)
        return DecodedAudio(wave, native_rate, native_rate, None,
                            wave.shape[1])
    frames_read = wave.shape[1]  # (C, N) at the native rate
    rate = native_rate
    if sample_rate is not None and sample_rate != native_rate:
        wave = librosa.resample(
            wave, orig_sr=native_rate, target_sr=sample_rate,
            res_type='soxr_hq').astype(np.float32)
        rate = int(sample_rate)
    if frames_read == 0 and not header_frames:  # else: truncated, see caller
        raise ValueError(f'Audio file {path} holds no samples. '
                         f'{REEXTRACT_FIX}')
    return DecodedAudio(np.ascontiguousarray(wave), rate, native_rate,
                        header_frames, frames_read)


def _load_with_audioread(path: str, sample_rate: Optional[int]):
    """``librosa.load`` for containers libsndfile cannot open."""
    import librosa
    try:
        with warnings.catch_warnings():
            # librosa announces its soundfile -> audioread fallback
            warnings.filterwarnings('ignore', 'PySoundFile failed')
            warnings.filterwarnings('ignore', category=FutureWarning)
            wave, sr = librosa.load(path, sr=sample_rate, mono=False)
    except Exception as err:  # audioread raises many types
        detail = f'{type(err).__name__}: {err}' if str(err) else (
            f'{type(err).__name__}: neither libsndfile nor an audioread '
            'backend decodes it')
        raise ValueError(f'Cannot decode audio file {path} ({detail}). '
                         f'{REEXTRACT_FIX}') from err
    wave = np.atleast_2d(wave).astype(np.float32)
    if wave.size == 0:
        raise ValueError(f'Audio file {path} holds no samples. '
                         f'{REEXTRACT_FIX}')
    return wave, int(sr)


@TRANSFORMS.register_module()
class LoadAudioFbank(BaseTransform):
    """Load a clip's audio as MMA-DFER's normalised 512 x 128 fbank.

    Steps (as the official MMA-DFER / AudioMAE data loader):

    1. read the file at its native rate (``sample_rate=None``), subtract the
       mean over all samples (of all channels), keep the first channel (as
       ``kaldi.fbank`` does with a multi-channel tensor);
    2. :func:`kaldi_fbank`: 128 mel bins, 25 ms Hanning window, 10 ms shift;
    3. zero-pad (after the log) or cut to ``target_length`` frames;
    4. normalise ``(fbank - mean) / (std * 2)`` with the AudioSet
       statistics.

    A clip without audio (``has_audio`` False / ``audio_path`` None, e.g.
    the 21 MAFW clips without a sound track) gets an all-zero fbank before
    the normalisation, as the official code does; ``has_audio`` stays False
    in the sample's metainfo so a model may mask it. A clip that should
    have audio but whose file is missing, empty, not a wav under a ``.wav``
    name or undecodable raises an error naming the file.

    A **truncated** file (an interrupted copy or extraction: fewer samples
    than its header declares, see :func:`wav_header_frames`; decoders
    silently return what is there) is handled by ``on_truncated``:
    ``'error'`` (default) raises :class:`TruncatedAudioError` naming the
    file, the header's and the decoded frame counts and the fix;
    ``'pad'`` uses the samples that were read (the fbank is zero-padded as
    for any short clip; ``has_audio`` stays True, unless not one analysis
    window could be read); ``'zero'`` treats the clip as having no audio (zero
    fbank, ``has_audio=False``). Both set ``audio_truncated=True`` and
    warn (Python shows a warning once per file).

    **Required Keys:** ``audio_path`` (str or None), optionally
    ``has_audio`` (bool, default: ``audio_path is not None``).

    **Added Keys:** ``fbank`` (1, target_length, num_mel_bins) float32,
    ``has_audio``, ``audio_num_frames`` (frames before padding / cutting),
    ``audio_truncated`` (bool).

    Args:
        num_mel_bins (int): Defaults to 128.
        target_length (int): frames after padding/cutting. Defaults to 512.
        frame_length (float): window in ms. Defaults to 25.
        frame_shift (float): hop in ms. Defaults to 10.
        window_type (str): Defaults to 'hanning'.
        sample_rate (int, optional): resample to this rate first; None
            (default, MMA-DFER) keeps the file's native rate.
        norm_mean (float): Defaults to the AudioSet mean -4.2677393.
        norm_std (float): Defaults to the AudioSet std 4.5689974 (the
            denominator is ``2 * norm_std``).
        on_truncated (str): ``'error'`` (default), ``'pad'`` or ``'zero'``:
            what a truncated audio file gives (see above).

    Example:
        >>> t = LoadAudioFbank()
        >>> t(dict(audio_path=None))['fbank'].shape
        (1, 512, 128)
    """

    def __init__(self,
                 num_mel_bins: int = 128,
                 target_length: int = 512,
                 frame_length: float = 25.0,
                 frame_shift: float = 10.0,
                 window_type: str = 'hanning',
                 sample_rate: Optional[int] = None,
                 norm_mean: float = AUDIOSET_MEAN,
                 norm_std: float = AUDIOSET_STD,
                 on_truncated: str = 'error'):
        _window(window_type, 4)  # validates the name
        if on_truncated not in ON_TRUNCATED:
            raise ValueError(f'LoadAudioFbank: on_truncated must be one of '
                             f'{ON_TRUNCATED}, got {on_truncated!r}.')
        if target_length < 1 or num_mel_bins < 1:
            raise ValueError('target_length and num_mel_bins must be >= 1, '
                             f'got {target_length}, {num_mel_bins}')
        self.num_mel_bins = num_mel_bins
        self.target_length = target_length
        self.frame_length = frame_length
        self.frame_shift = frame_shift
        self.window_type = window_type
        self.sample_rate = sample_rate
        self.norm_mean = norm_mean
        self.norm_std = norm_std
        self.on_truncated = on_truncated

    def compute_fbank(self, wave: np.ndarray, sr: int) -> np.ndarray:
        """Un-normalised, un-padded fbank of a (C, N) waveform.

        Returns:
            np.ndarray: (num_frames, num_mel_bins) float32.
        """
        wave = wave - wave.mean()  # over all channels, as the official code
        return kaldi_fbank(
            wave[0],
            sr,
            num_mel_bins=self.num_mel_bins,
            frame_length=self.frame_length,
            frame_shift=self.frame_shift,
            window_type=self.window_type)

    def window_samples(self, sample_rate: int) -> int:
        """Samples in one analysis window (``frame_length`` ms): fewer
        give no fbank frame."""
        return int(sample_rate * self.frame_length * 0.001)

    def read_audio(self, path: str):
        """Decode ``path`` and apply ``on_truncated``.

        Returns:
            tuple: ``(audio, truncated)``: the :class:`DecodedAudio`, or
            None when the clip is to be treated as having no audio, and
            whether the file is truncated.
        """
        audio = read_audio_file(path, self.sample_rate)
        if not audio.truncated:
            return audio, False
        error = TruncatedAudioError(path, audio.header_frames,
                                    audio.frames_read, audio.native_rate)
        if self.on_truncated == 'error':
            raise error
        if self.on_truncated == 'pad' and \
                audio.frames_read >= self.window_samples(audio.native_rate):
            warnings.warn(f"{error.summary}; on_truncated='pad' uses the "
                          'samples read.')
            return audio, True
        warnings.warn(f'{error.summary}; on_truncated={self.on_truncated!r} '
                      'gives it a zero fbank and has_audio=False'
                      + (' (not one analysis window could be read).'
                         if self.on_truncated == 'pad' else '.'))
        return None, True

    def transform(self, results: dict) -> dict:
        """Fbank of ``results['audio_path']``, or of an in-memory
        ``results['waveform']`` ((C, N) float32 at ``results['sample_rate']``,
        e.g. a clip's window of a video's own sound track at inference),
        which is popped from the results. ``has_audio=False`` (or neither
        input) gives the documented all-zero fbank."""
        wave = results.pop('waveform', None)
        path = results.get('audio_path')
        has_audio = results.get('has_audio',
                                path is not None or wave is not None)
        if has_audio and path is None and wave is None:
            raise KeyError(
                'LoadAudioFbank: has_audio is True but audio_path is None; '
                'the dataset must set both consistently.')
        fbank = np.zeros((self.target_length, self.num_mel_bins), np.float32)
        num_frames = 0
        truncated = False
        if has_audio and wave is None:
            audio, truncated = self.read_audio(path)
            has_audio = audio is not None
            if has_audio:
                wave, sr = audio.waveform, audio.sample_rate
        elif has_audio:
            wave = np.asarray(wave, np.float32)
            sr = int(results['sample_rate'])
        if has_audio and wave.shape[-1] >= self.window_samples(sr):
            feats = self.compute_fbank(wave, sr)  # (F, M)
            num_frames = feats.shape[0]
            keep = min(num_frames, self.target_length)
            fbank[:keep] = feats[:keep]  # zero-pad or cut to target_length
        fbank = (fbank - self.norm_mean) / (self.norm_std * 2)
        results['fbank'] = fbank[None].astype(np.float32)  # (1, L, M)
        results['has_audio'] = bool(has_audio)
        results['audio_num_frames'] = num_frames
        results['audio_truncated'] = truncated
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_mel_bins={self.num_mel_bins}, '
                f'target_length={self.target_length}, '
                f'frame_length={self.frame_length}, '
                f'frame_shift={self.frame_shift}, '
                f'window_type={self.window_type!r}, '
                f'sample_rate={self.sample_rate}, '
                f'norm_mean={self.norm_mean}, norm_std={self.norm_std}, '
                f'on_truncated={self.on_truncated!r})')
