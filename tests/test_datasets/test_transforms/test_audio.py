"""LoadAudioFbank / kaldi_fbank: MMA-DFER's Kaldi-compatible fbank.

The features are compared with two independent references:

- ``_reference_fbank`` below: a loop-based transcription of Kaldi's
  ``FeatureWindowFunction`` / ``MelBanks`` / ``ComputeFbank`` (explicit
  DFT, per-bin triangle weights in pure Python), sharing no code with
  :mod:`mmfer.datasets.transforms.audio`;
- ``kaldi-native-fbank`` (a C++ port of Kaldi's feature code), when
  installed.

torchaudio (what the official code calls) has no build for torch 2.14.
"""
import math
import struct
import warnings

import numpy as np
import pytest
import soundfile as sf

from mmfer.datasets.transforms import LoadAudioFbank, kaldi_fbank
from mmfer.datasets.transforms.audio import (TruncatedAudioError,
                                             read_audio_file,
                                             wav_header_frames)

MEAN, STD = -4.2677393, 4.5689974


def _reference_fbank(wave, sr, num_bins=128, frame_ms=25.0, shift_ms=10.0,
                     preemph=0.97, low_freq=20.0):
    """Kaldi fbank (hanning window, no dither/energy), written with loops."""
    size = int(sr * frame_ms * 0.001)
    shift = int(sr * shift_ms * 0.001)
    fft = 1
    while fft < size:
        fft *= 2
    half = fft // 2
    nyquist = sr / 2.0

    def mel(f):
        return 1127.0 * math.log(1.0 + f / 700.0)

    mel_low, mel_high = mel(low_freq), mel(nyquist)
    delta = (mel_high - mel_low) / (num_bins + 1)
    weights = np.zeros((num_bins, half + 1))
    for b in range(num_bins):
        left = mel_low + b * delta
        center = mel_low + (b + 1) * delta
        right = mel_low + (b + 2) * delta
        for i in range(half):
            m = mel(sr / fft * i)
            if left < m < right:
                if m <= center:
                    weights[b, i] = (m - left) / (center - left)
                else:
                    weights[b, i] = (right - m) / (right - center)
    window = [0.5 - 0.5 * math.cos(2 * math.pi * i / (size - 1))
              for i in range(size)]
    n = np.arange(fft)
    k = np.arange(half + 1)[:, None]
    cos_m = np.cos(2 * math.pi * k * n / fft)  # explicit DFT matrices
    sin_m = np.sin(2 * math.pi * k * n / fft)
    rows = []
    num_frames = 1 + (len(wave) - size) // shift if len(wave) >= size else 0
    for f in range(num_frames):
        x = [float(v) for v in wave[f * shift:f * shift + size]]
        dc = sum(x) / size
        x = [v - dc for v in x]
        for i in range(size - 1, 0, -1):
            x[i] -= preemph * x[i - 1]
        x[0] -= preemph * x[0]
        x = [v * w for v, w in zip(x, window)] + [0.0] * (fft - size)
        x = np.asarray(x)
        power = (cos_m @ x)**2 + (sin_m @ x)**2
        energies = weights @ power
        rows.append([math.log(max(e, np.finfo(np.float32).eps))
                     for e in energies])
    return np.asarray(rows).reshape(num_frames, num_bins)


def _speechlike(sr, seconds, seed=0, channels=1):
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    f0 = 150 + 40 * np.sin(2 * np.pi * 3 * t)
    wave = sum(np.sin(2 * np.pi * h * np.cumsum(f0) / sr) / h
               for h in range(1, 12))
    wave = 0.2 * wave * (1 + np.sin(2 * np.pi * 4 * t)) + 0.01 * \
        rng.standard_normal(t.size) + 0.05  # DC offset on purpose
    wave = wave.astype(np.float32)
    if channels > 1:
        wave = np.stack([wave * (c + 1) / channels for c in range(channels)],
                        axis=1)
    return wave


@pytest.mark.parametrize('sr', [16000, 44100])
def test_kaldi_fbank_matches_loop_reference(sr):
    wave = _speechlike(sr, 0.6)
    ours = kaldi_fbank(wave, sr)
    ref = _reference_fbank(wave, sr)
    assert ours.shape == ref.shape == (1 + (len(wave) - int(sr * 0.025)) //
                                       int(sr * 0.01), 128)
    assert ours.dtype == np.float32
    # relative error of the mel energies (= exp of the log fbank)
    rel = np.abs(np.expm1(ours.astype(np.float64) - ref))
    assert rel.max() <= 1e-3, rel.max()
    assert np.abs(ours - ref).max() <= 1e-3


@pytest.mark.parametrize('sr', [22050, 48000])
def test_kaldi_fbank_matches_kaldi_native_fbank(sr):
    knf = pytest.importorskip('kaldi_native_fbank')
    wave = _speechlike(sr, 1.0, seed=1)
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0.0
    opts.frame_opts.window_type = 'hanning'
    opts.frame_opts.samp_freq = sr
    opts.frame_opts.snip_edges = True
    opts.mel_opts.num_bins = 128
    opts.use_energy = False
    fb = knf.OnlineFbank(opts)
    fb.accept_waveform(sr, wave.tolist())
    fb.input_finished()
    ref = np.stack(
        [np.asarray(fb.get_frame(i)) for i in range(fb.num_frames_ready)])
    ours = kaldi_fbank(wave, sr)
    assert ours.shape == ref.shape
    # kaldi-native-fbank computes in float32: ~1e-4 relative
    assert np.abs(np.expm1(ours.astype(np.float64) - ref)).max() <= 1e-3


def test_kaldi_fbank_short_and_bad_input():
    assert kaldi_fbank(np.zeros(100), 16000).shape == (0, 128)
    with pytest.raises(ValueError, match='1-D waveform'):
        kaldi_fbank(np.zeros((2, 16000)), 16000)
    with pytest.raises(ValueError, match='window_type'):
        kaldi_fbank(np.zeros(16000), 16000, window_type='blackmann')


def test_load_audio_fbank_pads_normalises_and_uses_native_rate(tmp_path):
    sr = 16000
    wave = _speechlike(sr, 1.0)
    path = str(tmp_path / 'a.wav')
    sf.write(path, wave, sr, subtype='FLOAT')
    out = LoadAudioFbank()(dict(audio_path=path, has_audio=True))
    fbank = out['fbank']
    assert fbank.shape == (1, 512, 128) and fbank.dtype == np.float32
    raw = kaldi_fbank(wave - wave.mean(), sr)  # (98, 128)
    assert out['audio_num_frames'] == raw.shape[0] == 98
    np.testing.assert_allclose(fbank[0, :98], (raw - MEAN) / (2 * STD),
                               rtol=1e-5, atol=1e-5)
    # zero padding after the log, then normalised
    np.testing.assert_allclose(fbank[0, 98:], -MEAN / (2 * STD), rtol=1e-6)
    assert out['has_audio'] is True


def test_load_audio_fbank_cuts_long_audio_and_keeps_first_channel(tmp_path):
    sr = 8000
    wave = _speechlike(sr, 6.0, channels=2)  # 598 frames, stereo
    path = str(tmp_path / 'stereo.wav')
    sf.write(path, wave, sr, subtype='FLOAT')
    out = LoadAudioFbank()(dict(audio_path=path))
    assert out['audio_num_frames'] == 598
    # official: waveform - waveform.mean() over both channels, channel 0
    raw = kaldi_fbank(wave[:, 0] - wave.mean(), sr)
    np.testing.assert_allclose(
        out['fbank'][0], (raw[:512] - MEAN) / (2 * STD), rtol=1e-5, atol=1e-5)


def test_load_audio_fbank_without_audio_is_zero_fbank():
    out = LoadAudioFbank()(dict(audio_path=None, has_audio=False))
    assert out['has_audio'] is False and out['audio_num_frames'] == 0
    np.testing.assert_allclose(out['fbank'], -MEAN / (2 * STD))
    with pytest.raises(KeyError, match='audio_path is None'):
        LoadAudioFbank()(dict(audio_path=None, has_audio=True))


def test_load_audio_fbank_errors_name_the_file(tmp_path):
    missing = str(tmp_path / 'missing.wav')
    with pytest.raises(FileNotFoundError, match='missing.wav'):
        LoadAudioFbank()(dict(audio_path=missing, has_audio=True))
    corrupt = tmp_path / 'corrupt.wav'
    corrupt.write_bytes(b'RIFF\x00\x01garbage-not-a-wave' * 3)
    with pytest.raises(ValueError, match='corrupt.wav'):
        LoadAudioFbank()(dict(audio_path=str(corrupt)))
    with pytest.raises(ValueError, match='window_type'):
        LoadAudioFbank(window_type='hann')


def test_load_audio_fbank_repr():
    r = repr(LoadAudioFbank())
    assert 'num_mel_bins=128' in r and 'target_length=512' in r
    assert "window_type='hanning'" in r
    assert "on_truncated='error'" in r


# ---- truncated / empty / non-wav files (issue 13, item 4) -----------------
def _wav_bytes(tmp_path, sr=16000, seconds=1.0, subtype='PCM_16'):
    path = tmp_path / 'full.wav'
    sf.write(str(path), _speechlike(sr, seconds), sr, subtype=subtype)
    return path.read_bytes()


def _claim_frames(data: bytes, frames: int, block_align: int = 2) -> bytes:
    """The same wav with its data-chunk size rewritten to ``frames``."""
    at = data.index(b'data') + 4
    return (data[:at] + struct.pack('<I', frames * block_align)
            + data[at + 4:])


@pytest.mark.parametrize('cut, frames_read', [
    ('header_plus_3_bytes', 1), ('header_only', 0), ('half', 8000),
    ('header_claims_double', 16000)])
def test_truncated_wav_error_names_file_frame_counts_and_fix(
        tmp_path, cut, frames_read):
    full = _wav_bytes(tmp_path)
    data_at = full.index(b'data') + 8  # first sample byte (44 here)
    declared = 16000
    if cut == 'header_plus_3_bytes':
        data = full[:data_at + 3]
    elif cut == 'header_only':
        data = full[:data_at]
    elif cut == 'half':
        data = full[:data_at + 16000]
    else:
        data, declared = _claim_frames(full, 32000), 32000
    path = tmp_path / f'{cut}.wav'
    path.write_bytes(data)
    with pytest.raises(TruncatedAudioError) as info:
        LoadAudioFbank()(dict(audio_path=str(path), has_audio=True))
    msg = str(info.value)
    assert f'{cut}.wav is truncated' in msg
    assert (f'header declares {declared} frames ({declared / 16000:.2f} s at '
            f'16000 Hz) but only {frames_read} could be read') in msg
    assert 'tools/dataset_converters/extract_audio.py' in msg
    assert "on_truncated='pad'" in msg and "on_truncated='zero'" in msg
    assert info.value.header_frames == declared
    assert info.value.frames_read == frames_read


def test_truncated_float_wav_and_flac_are_refused(tmp_path):
    full = _wav_bytes(tmp_path, subtype='FLOAT')
    path = tmp_path / 'float_half.wav'
    path.write_bytes(full[:len(full) // 2])
    # float wavs carry a fact chunk: count the frames after the data header
    kept = (len(full) // 2 - (full.index(b'data') + 8)) // 4  # 4 B / frame
    with pytest.raises(TruncatedAudioError,
                       match=r'float_half.wav is truncated: its header '
                       rf'declares 16000 frames .* only {kept} could be '
                       'read'):
        LoadAudioFbank()(dict(audio_path=str(path)))
    flac = tmp_path / 'full.flac'
    sf.write(str(flac), _speechlike(16000, 1.0), 16000)
    cut = tmp_path / 'half.flac'
    cut.write_bytes(flac.read_bytes()[:flac.stat().st_size // 2])
    with pytest.raises(ValueError, match=r'Cannot decode audio file .*half'
                       r'\.flac.*header: 16000 frames at 16000 Hz; the file '
                       r'is probably truncated.*extract_audio\.py'):
        LoadAudioFbank()(dict(audio_path=str(cut)))


def test_truncated_wav_pad_uses_samples_read_and_zero_drops_audio(tmp_path):
    sr = 16000
    wave = _speechlike(sr, 1.0)
    full = tmp_path / 'full.wav'
    sf.write(str(full), wave, sr, subtype='FLOAT')
    data = full.read_bytes()
    path = tmp_path / 'half.wav'
    path.write_bytes(data[:data.index(b'data') + 8 + 4 * 8000])
    with pytest.warns(UserWarning, match=r"half.wav is truncated.*8000 could "
                      r"be read.*on_truncated='pad' uses the samples read"):
        out = LoadAudioFbank(on_truncated='pad')(dict(audio_path=str(path)))
    raw = kaldi_fbank(wave[:8000] - wave[:8000].mean(), sr)  # (48, 128)
    assert out['has_audio'] is True and out['audio_truncated'] is True
    assert out['audio_num_frames'] == raw.shape[0] == 48
    np.testing.assert_allclose(out['fbank'][0, :48], (raw - MEAN) / (2 * STD),
                               rtol=1e-5, atol=1e-5)
    with pytest.warns(UserWarning, match="on_truncated='zero' gives it a "
                      'zero fbank and has_audio=False'):
        out = LoadAudioFbank(on_truncated='zero')(dict(audio_path=str(path)))
    assert out['has_audio'] is False and out['audio_truncated'] is True
    assert out['audio_num_frames'] == 0
    np.testing.assert_allclose(out['fbank'], -MEAN / (2 * STD))
    # 'pad' with less than one 25 ms window read: no audio either
    tiny = tmp_path / 'tiny.wav'
    tiny.write_bytes(data[:data.index(b'data') + 8 + 4 * 100])
    with pytest.warns(UserWarning, match='not one analysis window'):
        out = LoadAudioFbank(on_truncated='pad')(dict(audio_path=str(tiny)))
    assert out['has_audio'] is False and out['audio_truncated'] is True
    with pytest.raises(ValueError, match="on_truncated must be one of "
                       r"\('error', 'pad', 'zero'\), got 'skip'"):
        LoadAudioFbank(on_truncated='skip')


@pytest.mark.parametrize('content, message', [
    (b'', r'empty.wav is empty \(0 bytes\)'),
    (b'<html>404 Not Found</html>', r"not_wav.wav is not a wav file: it "
     r"starts with b'<html>404 No' \(26 bytes\) where a wav starts with "
     r"b'RIFF'"),
    (None, r'in_header.wav is truncated inside its wav header \(20 bytes, '
     r'no data chunk\)')])
def test_empty_and_non_wav_files_give_one_clear_message(tmp_path, content,
                                                         message):
    if content is None:
        content, name = _wav_bytes(tmp_path)[:20], 'in_header.wav'
    else:
        name = 'empty.wav' if not content else 'not_wav.wav'
    path = tmp_path / name
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no librosa fallback chatter
        with pytest.raises(ValueError, match=message) as info:
            LoadAudioFbank()(dict(audio_path=str(path)))
    assert 'tools/dataset_converters/extract_audio.py' in str(info.value)


@pytest.mark.parametrize('subtype, channels, sample_rate', [
    ('PCM_16', 1, None), ('PCM_24', 3, None), ('FLOAT', 2, 8000),
    ('PCM_16', 1, 22050)])
def test_good_audio_loads_exactly_as_librosa(tmp_path, subtype, channels,
                                             sample_rate):
    librosa = pytest.importorskip('librosa')
    sr = 16000
    path = str(tmp_path / 'good.wav')
    sf.write(path, _speechlike(sr, 0.7, channels=channels), sr,
             subtype=subtype)
    audio = read_audio_file(path, sample_rate)
    ref, ref_sr = librosa.load(path, sr=sample_rate, mono=False)
    assert audio.sample_rate == ref_sr == (sample_rate or sr)
    np.testing.assert_array_equal(audio.waveform, np.atleast_2d(ref))
    assert audio.header_frames == audio.frames_read == int(sr * 0.7)
    assert not audio.truncated
    out = LoadAudioFbank(sample_rate=sample_rate)(dict(audio_path=path))
    assert out['has_audio'] is True and out['audio_truncated'] is False


def test_streaming_wav_without_data_size_is_not_called_truncated(tmp_path):
    # ffmpeg writing to a pipe leaves the data size at 0xFFFFFFFF
    full = _wav_bytes(tmp_path)
    at = full.index(b'data') + 4
    path = tmp_path / 'streamed.wav'
    path.write_bytes(full[:at] + b'\xff\xff\xff\xff' + full[at + 4:])
    assert wav_header_frames(str(path)) is None
    out = LoadAudioFbank()(dict(audio_path=str(path)))
    assert out['audio_num_frames'] == 98 and out['audio_truncated'] is False


def test_in_memory_waveform_gives_the_files_fbank(tmp_path):
    # FERInferencer passes a window of a video's sound track as a waveform
    sr = 16000
    wave = _speechlike(sr, 0.7, channels=2)              # (N, C)
    path = str(tmp_path / 'clip.wav')
    sf.write(path, wave, sr, subtype='FLOAT')
    t = LoadAudioFbank()
    from_file = t(dict(audio_path=path))
    from_wave = t(dict(audio_path=None, has_audio=True,
                       waveform=np.ascontiguousarray(wave.T), sample_rate=sr))
    assert 'waveform' not in from_wave
    assert from_wave['has_audio'] is True
    assert from_wave['audio_num_frames'] == from_file['audio_num_frames'] > 0
    np.testing.assert_allclose(from_wave['fbank'], from_file['fbank'],
                               atol=1e-5)
    # no waveform and has_audio=False: the documented all-zero fbank
    silent = t(dict(audio_path=None, has_audio=False, waveform=None,
                    sample_rate=sr))
    assert silent['has_audio'] is False and silent['audio_num_frames'] == 0
    np.testing.assert_allclose(silent['fbank'],
                               -t.norm_mean / (2 * t.norm_std), atol=1e-6)
