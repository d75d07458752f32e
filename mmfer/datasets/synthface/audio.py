"""Expressive synthetic speech: a source-filter vowel babble with prosody.

A band-limited harmonic source (glottal spectrum tilt, F0 jitter, breath
noise) is shaped per syllable by a cascade of 3 formant resonators applied
in the FFT domain, given a syllable amplitude envelope and an onset noise
burst (a consonant).  Prosody follows the vocal-emotion literature (Juslin
& Laukka, Psychol. Bull. 2003): happiness/surprise/fear raise mean F0 and
its range, sadness lowers and flattens it and slows the tempo, anger raises
energy and flattens the spectral tilt (pressed voice), fear adds jitter and
breathiness.
"""
import numpy as np

from .expressions import check_expression
from .seeding import as_rng

#: Per expression: F0 multiplier, F0 range (semitones), energy (RMS scale),
#: syllable rate (1/s), jitter (relative), breathiness (0-1), spectral tilt
#: (harmonic k has amplitude k ** -tilt).
PROSODY = {
    'neutral': (1.0, 2.0, 0.5, 4.0, 0.005, 0.15, 1.2),
    'happiness': (1.25, 6.0, 0.75, 4.6, 0.008, 0.1, 1.0),
    'surprise': (1.35, 8.0, 0.8, 4.2, 0.01, 0.15, 1.0),
    'fear': (1.3, 5.0, 0.6, 5.2, 0.02, 0.35, 1.3),
    'anger': (1.15, 5.0, 1.0, 4.8, 0.012, 0.05, 0.7),
    'sadness': (0.85, 1.2, 0.3, 3.0, 0.006, 0.35, 1.6),
    'disgust': (0.9, 3.0, 0.55, 3.5, 0.01, 0.25, 1.3),
    'contempt': (0.95, 2.5, 0.5, 3.6, 0.008, 0.2, 1.3),
    'anxiety': (1.2, 3.0, 0.55, 5.5, 0.02, 0.3, 1.3),
    'helplessness': (0.9, 1.5, 0.35, 3.2, 0.01, 0.4, 1.5),
    'disappointment': (0.9, 2.0, 0.4, 3.4, 0.008, 0.3, 1.5),
}
# Formant frequencies (Hz) and bandwidths of 5 vowels (Peterson & Barney).
_VOWELS = np.array([[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240],
                    [530, 1840, 2480], [570, 840, 2410]], np.float64)
_BANDWIDTHS = np.array([90.0, 110.0, 160.0])
_MAX_HARMONICS = 40


def formant_response(freqs, formants, bandwidths):
    """Magnitude of a cascade of 2-pole resonators (unit gain at DC).

    |H(f)| = prod_i F_i^2 / sqrt((F_i^2 - f^2)^2 + (B_i f)^2)
    """
    f2 = freqs[None, :]**2
    F = formants[:, None]
    B = bandwidths[:, None]
    return np.prod(F**2 / np.sqrt((F**2 - f2)**2 + B**2 * f2), axis=0)


def _speaker(speaker_params):
    if isinstance(speaker_params, dict):
        return (float(speaker_params.get('f0_base', 150.0)),
                float(speaker_params.get('formant_scale', 1.0)))
    return float(speaker_params.f0_base), float(speaker_params.formant_scale)


def _syllable(n, sr, f0_start, f0_end, prosody, vowel, fscale, rng):
    """One voiced syllable of n samples, before amplitude normalisation."""
    _, _, _, _, jitter, breath, tilt = prosody
    t = np.arange(n) / n
    f0 = f0_start * (f0_end / f0_start)**t
    wobble = np.interp(np.arange(n), np.linspace(0, n, 12),
                       rng.standard_normal(12))
    f0 = f0 * (1 + jitter * wobble)                                 # (n,)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    k = np.arange(1, _MAX_HARMONICS + 1)[:, None]                  # (K, 1)
    amp = k**-tilt * (k * f0.max() < 0.45 * sr)                     # (K, 1)
    src = (amp * np.sin(k * phase[None, :])).sum(0)                 # (n,)
    src = src / (np.std(src) + 1e-9)
    src = src + breath * 1.5 * rng.standard_normal(n)
    spec = np.fft.rfft(src)
    freqs = np.fft.rfftfreq(n, 1.0 / sr)
    spec *= formant_response(freqs, _VOWELS[vowel] * fscale, _BANDWIDTHS)
    voiced = np.fft.irfft(spec, n)
    # Consonant: a short high-passed noise burst at the onset.
    nb = max(int(0.03 * sr), 8)
    burst = np.fft.rfft(rng.standard_normal(nb))
    burst[np.fft.rfftfreq(nb, 1.0 / sr) < 2500] = 0
    burst = np.fft.irfft(burst, nb) * np.linspace(1, 0, nb)
    env = np.sin(np.pi * np.clip(t, 0, 1))**0.6                     # (n,)
    out = voiced / (np.std(voiced) + 1e-9) * env
    out[:nb] += 0.4 * burst / (np.std(burst) + 1e-9)
    return out


def synthesize_speech_audio(expression, speaker_params, duration, sr=16000,
                            rng=None, intensity=1.0):
    """Render emotional "speech" (vowel babble) as a float32 waveform.

    Args:
        expression (str): a name in ``EXTENDED_EXPRESSIONS``; sets the
            prosody (see :data:`PROSODY`).
        speaker_params (SubjectParams | dict): uses ``f0_base`` (Hz) and
            ``formant_scale`` (vocal tract length factor).
        duration (float): seconds.
        sr (int): sample rate. Default: 16000.
        rng (int | tuple | np.random.Generator, optional): randomness.
        intensity (float): 0-1 scale of the emotional deviation from
            neutral prosody. Default: 1.

    Returns:
        np.ndarray: (round(duration * sr),) float32 in [-1, 1].
    """
    check_expression(expression)
    rng = as_rng(0 if rng is None else rng)
    n_total = int(round(duration * sr))
    if n_total <= 0:
        raise ValueError(f'duration must be positive, got {duration}')
    neutral = np.asarray(PROSODY['neutral'])
    prosody = tuple(neutral + float(intensity) *
                    (np.asarray(PROSODY[expression]) - neutral))
    f0_mult, f0_range, energy, rate = prosody[:4]
    f0_base, fscale = _speaker(speaker_params)
    f0_mean = f0_base * f0_mult
    out = np.zeros(n_total)
    t = rng.uniform(0.05, 0.2)
    while t < duration - 0.08:
        dur = min((0.8 / rate) * rng.uniform(0.7, 1.3), duration - t - 0.02)
        n = int(dur * sr)
        if n < int(0.04 * sr):
            break
        decl = -0.3 * f0_range * t / duration                 # declination
        accent = rng.uniform(-0.5, 1.0) * 0.5 * f0_range
        slope = rng.uniform(-1.0, 1.0) * 0.25 * f0_range
        st0, st1 = decl + accent - slope / 2, decl + accent + slope / 2
        syl = _syllable(n, sr, f0_mean * 2**(st0 / 12), f0_mean * 2**(st1 / 12),
                        prosody, int(rng.integers(len(_VOWELS))), fscale, rng)
        i0 = int(t * sr)
        out[i0:i0 + n] += syl * rng.uniform(0.7, 1.0)
        t += dur + (0.2 / rate) + (rng.uniform(0.2, 0.4)
                                   if rng.random() < 0.15 else 0.0)
    out *= 0.05 + 0.12 * energy
    out += rng.standard_normal(n_total) * rng.uniform(0.002, 0.006)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
