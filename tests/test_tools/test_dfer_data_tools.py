"""extract_audio.py and extract_face_frames.py (DFEW / MAFW preparation)."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import soundfile as sf

from tool_scripts import load_tool


def _load(name):
    return load_tool('dataset_converters', f'{name}.py')


def _write_av_mp4(path, sr=44100, seconds=1.0, freq=440.0, layout='stereo',
                  faststart=False):
    """An mp4 with mpeg4 video and AAC audio (PyAV's own FFmpeg).

    ``layout`` 'stereo' writes the tone at full and half amplitude, 'mono'
    one channel; ``faststart`` puts the index (moov) before the data.
    """
    av = pytest.importorskip('av')
    t = np.arange(int(sr * seconds)) / sr
    sig = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    stereo = (np.stack([sig, 0.5 * sig]) if layout == 'stereo' else
              sig[None])  # (C, N)
    options = dict(movflags='faststart') if faststart else {}
    with av.open(str(path), 'w', options=options) as c:
        v = c.add_stream('mpeg4', rate=25)
        v.width, v.height, v.pix_fmt = 32, 32, 'yuv420p'
        a = c.add_stream('aac', rate=sr, layout=layout)
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(
                np.full((32, 32, 3), i * 20, np.uint8), format='rgb24')
            for p in v.encode(frame):
                c.mux(p)
        for s in range(0, stereo.shape[1], 1024):
            af = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(stereo[:, s:s + 1024]), format='fltp',
                layout=layout)
            af.sample_rate, af.pts = sr, s
            for p in a.encode(af):
                c.mux(p)
        for p in list(v.encode()) + list(a.encode()):
            c.mux(p)


def _peak_hz(wave, sr):
    spec = np.abs(np.fft.rfft(wave))
    return np.argmax(spec) * sr / len(wave)


def _silent_video(path, frames, size=(64, 48), face=None):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25,
                             size)
    assert writer.isOpened()
    for i in range(frames):
        img = np.full((size[1], size[0], 3), 90, np.uint8)
        if face is not None:
            y, x = 60, 150
            img[y:y + face.shape[0], x:x + face.shape[1]] = face
        writer.write(img)
    writer.release()


def test_extract_audio_pyav_native_and_16k_mono(tmp_path, capsys):
    tool = _load('extract_audio')
    src = tmp_path / 'videos'
    src.mkdir()
    _write_av_mp4(src / '00042.mp4')
    out = tmp_path / 'wav'
    assert tool.main([str(src), str(out), '--backend', 'pyav',
                      '--strip-zeros']) == 0
    wave, sr = sf.read(str(out / '42.wav'))  # DFEW: unpadded name
    assert sr == 44100 and wave.ndim == 2 and wave.shape[1] == 2
    assert wave.shape[0] >= 44100  # >= 1 s (AAC adds priming samples)
    assert abs(_peak_hz(wave[:, 0], sr) - 440) < 3
    assert np.std(wave[:, 1]) / np.std(wave[:, 0]) == pytest.approx(0.5,
                                                                    rel=0.05)
    # existing outputs are kept (resumable) ...
    assert tool.main([str(src), str(out), '--backend', 'pyav',
                      '--strip-zeros']) == 0
    assert 'kept 1 existing' in capsys.readouterr().out
    # ... and the 16 kHz mono variant
    assert tool.main([str(src / '00042.mp4'), str(tmp_path / 'mono'),
                      '--backend', 'pyav', '--sample-rate', '16000',
                      '--mono']) == 0
    mono, sr = sf.read(str(tmp_path / 'mono' / '00042.wav'))
    assert sr == 16000 and mono.ndim == 1
    assert abs(_peak_hz(mono, sr) - 440) < 3


def test_extract_audio_reports_silent_and_corrupt_videos(tmp_path, capsys):
    tool = _load('extract_audio')
    src = tmp_path / 'videos'
    src.mkdir()
    _silent_video(src / 'silent.mp4', 5)
    (src / 'broken.mp4').write_bytes(b'\x00\x00\x00\x18ftypmp42 garbage')
    backend = 'pyav' if 'pyav' in tool.available_backends() else None
    if backend is None:
        pytest.skip('no decoder for mp4: neither ffmpeg nor PyAV installed')
    code = tool.main([str(src), str(tmp_path / 'wav'), '--backend', backend])
    captured = capsys.readouterr()
    assert code == 1
    assert 'silent.mp4' in captured.out and '1 without audio' in captured.out
    assert 'broken.mp4' in captured.err
    assert not osp.exists(tmp_path / 'wav' / 'silent.wav')
    assert not [n for n in os.listdir(tmp_path / 'wav') if 'part' in n]


def _pyav_decode_s16(path):
    """Reference decode of a (possibly cut) file: (N,) int16, mono s16."""
    import av
    chunks = []
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        resampler = av.AudioResampler(format='s16', layout='mono',
                                      rate=stream.rate)
        try:
            for frame in c.decode(stream):
                chunks += [f.to_ndarray() for f in resampler.resample(frame)]
        except av.FFmpegError:
            pass  # the cut packet
        chunks += [f.to_ndarray() for f in resampler.resample(None)]
    return np.concatenate(chunks, axis=1).reshape(-1)


def _cut_faststart_mp4s(good, folder):
    """Two cut copies of faststart ``good``: the index still declares 2 s.

    ``cut.mp4`` ends at a packet boundary past the middle (decoders return
    the first part with no error); ``half.mp4`` is the first half of the
    bytes (the last audio packet is cut; the decoder stops with an error).
    """
    import av
    data = good.read_bytes()
    with av.open(str(good)) as c:
        ends = [p.pos + p.size for p in c.demux(c.streams.audio[0])
                if p.size]
    boundary = next(end for end in ends if end >= len(data) // 2)
    (folder / 'cut.mp4').write_bytes(data[:boundary])
    (folder / 'half.mp4').write_bytes(data[:len(data) // 2])


def test_extract_audio_refuses_truncated_faststart_mp4(tmp_path, capsys):
    tool = _load('extract_audio')
    src = tmp_path / 'videos'
    src.mkdir()
    # 2 s of 16 kHz mono AAC: the audio stream declares 32000 samples
    _write_av_mp4(src / 'good.mp4', sr=16000, seconds=2.0, layout='mono',
                  faststart=True)
    _cut_faststart_mp4s(src / 'good.mp4', src)
    decodable = {n: len(_pyav_decode_s16(src / f'{n}.mp4'))
                 for n in ('cut', 'half')}
    assert all(n < 16000 for n in decodable.values())
    out = tmp_path / 'wav'
    assert tool.main([str(src), str(out), '--backend', 'pyav']) == 1
    captured = capsys.readouterr()
    assert ('wrote 1, kept 0 existing, 0 without audio, 2 truncated, '
            '0 failed') in captured.out
    assert 'truncated videos (no wav written)' in captured.err
    for name, samples in decodable.items():
        assert (f'{src / name}.mp4 is truncated: its audio stream declares '
                f'32000 audio samples (2.000 s at 16000 Hz) but only '
                f'{samples} ({samples / 16000:.3f} s) could be decoded'
                ) in captured.err
    assert 're-download it or re-encode it' in captured.err
    assert '--keep-truncated' in captured.err
    assert 'the decoder stopped with' in captured.err  # half.mp4 only
    assert sorted(os.listdir(out)) == ['good.wav']  # no wav, no .part
    # the good clip extracts exactly as a plain decode (AAC priming: 32768)
    wave, sr = sf.read(str(out / 'good.wav'), dtype='int16')
    assert sr == 16000 and wave.shape == (32768, )
    np.testing.assert_array_equal(wave, _pyav_decode_s16(src / 'good.mp4'))
    # --keep-truncated writes the decoded part and still lists the video
    assert tool.main([str(src / 'cut.mp4'), str(tmp_path / 'kept'),
                      '--backend', 'pyav', '--keep-truncated']) == 0
    captured = capsys.readouterr()
    assert 'wav written with the decoded part (--keep-truncated)' in \
        captured.err and 'cut.mp4 is truncated' in captured.err
    assert sf.info(str(tmp_path / 'kept' / 'cut.wav')).frames == \
        decodable['cut']
    # the Python API raises the same error
    with pytest.raises(tool.TruncatedVideo, match=r'cut\.mp4 is truncated.*'
                       r'declares 32000 audio samples') as info:
        tool.extract_audio(str(src / 'cut.mp4'), str(tmp_path / 'x.wav'),
                           backend='pyav')
    assert info.value.declared_samples == 32000
    assert info.value.decoded_samples == decodable['cut']
    assert not osp.exists(tmp_path / 'x.wav')


def test_extract_audio_length_check_for_the_ffmpeg_probe():
    """The ffmpeg backend's check (no ffmpeg needed): container duration."""
    tool = _load('extract_audio')
    stderr = ("Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'clip.mp4':\n"
              '  Duration: 00:00:02.00, start: 0.000000, bitrate: 57 kb/s\n'
              '  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D),'
              ' 16000 Hz, mono, fltp, 23 kb/s (default)\n')
    declared = tool.parse_ffmpeg_probe(stderr)
    assert declared == tool.DeclaredAudio(2.0, 'container', 16000)
    assert tool.parse_ffmpeg_probe('  Duration: N/A, bitrate: N/A\n'
                                   ).seconds is None
    # slack: 2048 samples (AAC priming) + 0.1 s (container = longest stream)
    tool.check_decoded_length('clip.mp4', declared, 30000, 16000)
    with pytest.raises(tool.TruncatedVideo,
                       match=r'clip\.mp4 is truncated: its container '
                       r'declares 32000 audio samples \(2\.000 s at 16000 '
                       r'Hz\) but only 20000 \(1\.250 s\)'):
        tool.check_decoded_length('clip.mp4', declared, 20000, 16000)
    tool.check_decoded_length('clip.mp4', tool.DeclaredAudio(), 5, 16000)
    with pytest.raises(RuntimeError, match='bad packet'):
        tool.check_decoded_length(
            'clip.mp4', tool.DeclaredAudio(decode_error='bad packet'), 5,
            16000)


def test_extract_audio_librosa_backend_and_ffmpeg_if_present(tmp_path):
    tool = _load('extract_audio')
    sr = 22050
    t = np.arange(sr) / sr
    sf.write(str(tmp_path / 'a.flac'), 0.2 * np.sin(2 * np.pi * 330 * t), sr)
    tool.extract_audio(str(tmp_path / 'a.flac'), str(tmp_path / 'a.wav'),
                       backend='librosa')
    wave, rate = sf.read(str(tmp_path / 'a.wav'))
    assert rate == sr and abs(_peak_hz(wave, rate) - 330) < 3
    with pytest.raises(ValueError, match='Unknown backend'):
        tool.extract_audio(str(tmp_path / 'a.flac'), 'x.wav', backend='sox')
    if shutil.which('ffmpeg') is None:
        pytest.skip('ffmpeg is not on PATH (the pyav backend covers mp4)')
    _write_av_mp4(tmp_path / 'v.mp4')
    tool.extract_audio(str(tmp_path / 'v.mp4'), str(tmp_path / 'f.wav'),
                       16000, True, backend='ffmpeg')
    wave, rate = sf.read(str(tmp_path / 'f.wav'))
    assert rate == 16000 and abs(_peak_hz(wave, rate) - 440) < 3


@pytest.fixture(scope='module')
def face_img(tmp_path_factory):
    from mmfer.datasets.synthface import generate_layout
    root = tmp_path_factory.mktemp('sf_faces')
    generate_layout('synthface', str(root), subjects=1, samples=1, size=128,
                    verbose=False)
    path = next(osp.join(dp, f) for dp, _, fs in os.walk(root / 'rgb')
                for f in fs if f.endswith('.png'))
    return cv2.imread(path)


def test_extract_face_frames_crops_the_face(tmp_path, face_img):
    tool = _load('extract_face_frames')
    detector = tool.load_detector()            # mmfer.datasets.face Haar
    canvas = np.full((256, 320, 3), 90, np.uint8)
    canvas[60:188, 150:278] = face_img
    box = tool.detect_face(cv2.cvtColor(canvas, cv2.COLOR_BGR2GRAY),
                           detector)
    if box is None:
        pytest.skip('the Haar cascade finds no face in this SynthFace render')
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    assert 150 < cx < 278 and 60 < cy < 188  # inside the pasted face
    videos = tmp_path / 'clips'
    videos.mkdir()
    _silent_video(videos / '00025.mp4', 6, size=(320, 256), face=face_img)
    out = tmp_path / 'clips_faces'
    assert tool.main([str(videos), str(out)]) == 0
    names = sorted(os.listdir(out / '00025'))
    assert names == [f'{i}.jpg' for i in range(6)]  # MMA-DFER naming
    crops = [cv2.imread(str(out / '00025' / n)) for n in names]
    assert all(c.shape[0] == c.shape[1] for c in crops)  # square boxes
    assert all(40 < c.shape[0] < 200 for c in crops)


def test_extract_face_frames_fallback_and_errors(tmp_path):
    tool = _load('extract_face_frames')
    videos = tmp_path / 'clips'
    videos.mkdir()
    _silent_video(videos / 'blank.mp4', 3, size=(64, 48))
    out = tmp_path / 'faces'
    assert tool.main([str(videos), str(out), '--no-face', 'center',
                      '--padded']) == 0
    names = sorted(os.listdir(out / 'blank'))
    assert names == ['00001.jpg', '00002.jpg', '00003.jpg']
    # no face: the official centre square of side min(H, W) // 2
    assert cv2.imread(str(out / 'blank' / names[0])).shape == (24, 24, 3)
    (videos / 'broken.mp4').write_bytes(b'not a video')
    assert tool.main([str(videos), str(out)]) == 1
    with pytest.raises(FileNotFoundError, match='cascade'):
        tool.load_detector('haar', str(tmp_path / 'none.xml'))
    with pytest.raises(ValueError, match='mtcnn'):
        tool.load_detector('retinaface')
