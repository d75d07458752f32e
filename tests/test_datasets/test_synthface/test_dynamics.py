"""Clips (onset-apex-offset) and expressive speech."""
import numpy as np
import pytest

from mmfer.datasets.synthface import (AU_INDEX, SynthFaceRenderer,
                                      expression_envelope, render_clip,
                                      sample_subject, synthesize_speech_audio)
from mmfer.datasets.synthface.seeding import make_rng

SR = 16000


def f0_autocorr(x, sr=SR):
    """Median F0 (Hz) over the loudest 40 ms frames, by autocorrelation."""
    n = int(0.04 * sr)
    frames = [x[i:i + n] for i in range(0, len(x) - n, n // 2)]
    energy = np.array([np.sum(f * f) for f in frames])
    lo, hi = int(sr / 600), int(sr / 60)
    f0 = []
    for f, e in zip(frames, energy):
        if e < np.percentile(energy, 60):
            continue
        f = f - f.mean()
        ac = np.correlate(f, f, 'full')[n - 1:]
        f0.append(sr / (lo + np.argmax(ac[lo:hi])))
    return float(np.median(f0))


def test_envelope_rises_then_falls():
    for seed in range(20):
        env, apex = expression_envelope(12, make_rng(seed))
        assert 0 < apex < 11 and env[apex] == 1.0
        assert env[0] < 0.5 and env[-1] < 0.9
        assert np.all(np.diff(env[:apex + 1]) >= -1e-6)
        assert np.all(np.diff(env[apex:]) <= 1e-6)
    with pytest.raises(ValueError):
        expression_envelope(2, make_rng(0))


def test_render_clip():
    r = SynthFaceRenderer(48)
    s = sample_subject(0, 1)
    clip = render_clip(r, s, 'surprise', 10, 'lab', 3)
    assert clip['rgb'].shape == (10, 48, 48, 3)
    assert clip['depth'].shape == (10, 48, 48)
    assert clip['au_int'].shape == (10, 17)
    a = clip['apex']
    # Per-frame AUs are the apex configuration scaled by the envelope.
    np.testing.assert_allclose(clip['au_int'],
                               clip['envelope'][:, None] * clip['au_apex'][None],
                               rtol=1e-5)
    au26 = clip['au_int'][:, AU_INDEX[26]]
    assert au26[a] == au26.max() > au26[0] and au26[a] > au26[-1]
    # The mouth opens at the apex.
    inner = (clip['parsing'] == 9).sum((1, 2))
    assert inner[a] > inner[0]
    again = render_clip(r, s, 'surprise', 10, 'lab', 3)
    assert np.array_equal(again['rgb'], clip['rgb'])
    with pytest.raises(ValueError, match='expression'):
        render_clip(r, s, None, 5)


def test_audio_prosody():
    spk = sample_subject(0, 2, sex='F')
    dur = 2.0
    wav = {e: synthesize_speech_audio(e, spk, dur, rng=5)
           for e in ('sadness', 'surprise', 'happiness', 'anger')}
    for x in wav.values():
        assert x.dtype == np.float32 and x.shape == (int(dur * SR), )
        assert np.isfinite(x).all() and np.abs(x).max() <= 1.0
    f0 = {e: f0_autocorr(x) for e, x in wav.items()}
    assert f0['surprise'] > f0['sadness'] * 1.2
    assert f0['happiness'] > f0['sadness'] * 1.15
    rms = {e: np.sqrt(np.mean(x**2)) for e, x in wav.items()}
    assert rms['anger'] > 1.5 * rms['sadness']
    # Deterministic, and the speaker's base F0 matters.
    assert np.array_equal(wav['anger'],
                          synthesize_speech_audio('anger', spk, dur, rng=5))
    low = synthesize_speech_audio('sadness', dict(f0_base=100.0), dur, rng=5)
    assert f0_autocorr(low) < f0['sadness']
    with pytest.raises(ValueError, match='unknown expression'):
        synthesize_speech_audio('joy', spk, 1.0)
