# Extract the audio track of videos into 16-bit PCM wav files.
#
#   python tools/dataset_converters/extract_audio.py IN OUT [options]
#
# IN is a video file or a folder of videos (.mp4 .avi .mkv .mov .webm .flv);
# OUT is the output folder (one <stem>.wav per video). Examples:
#
#   # DFEW: Clip/original/*.mp4 -> raw_wav/<id>.wav (unpadded ids)
#   python tools/dataset_converters/extract_audio.py \
#       data/dfew/Clip/original data/dfew/raw_wav --strip-zeros
#   # MAFW: data/clips/00025.mp4 -> clips_wav/00025.wav
#   python tools/dataset_converters/extract_audio.py \
#       data/mafw/data/clips data/mafw/clips_wav
#
# By default the file's native sample rate and channels are kept: this is
# what MMA-DFER's `ffmpeg -i x.mp4 x.wav` produced and what its released
# checkpoints were trained on (LoadAudioFbank computes the fbank at the
# file's rate). `--sample-rate 16000 --mono` writes 16 kHz mono files
# instead (smaller; note that with 128 mel bins and a 512-point FFT one
# Kaldi mel bin is then empty).
#
# Decoders, tried in this order with --backend auto (the default):
#   ffmpeg  the ffmpeg command line tool, if on PATH;
#   pyav    the `av` Python package (pip install av; its wheels bundle the
#           FFmpeg libraries, so no system ffmpeg is needed);
#   librosa soundfile/audioread: reads wav/flac/ogg containers, and mp4
#           only when audioread finds a system decoder.
# Videos without an audio stream are listed (MAFW has 21) and get no wav;
# LoadAudioFbank then gives them a zero fbank. Existing outputs are kept
# unless --force, so an interrupted run can be restarted.
import argparse
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.flv', '.m4v')


class NoAudioStream(Exception):
    """The container holds no audio stream."""


def _ffmpeg(src, dst, sample_rate, mono):
    probe = subprocess.run(
        ['ffmpeg', '-nostdin', '-hide_banner', '-i', src],
        capture_output=True, text=True)
    if 'Audio:' not in probe.stderr:
        if 'Invalid data' in probe.stderr or 'No such file' in probe.stderr:
            raise RuntimeError(probe.stderr.strip().splitlines()[-1])
        raise NoAudioStream(src)
    cmd = ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-i', src, '-vn']
    if sample_rate:
        cmd += ['-ar', str(sample_rate)]
    if mono:
        cmd += ['-ac', '1']
    cmd += ['-acodec', 'pcm_s16le', dst]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or 'ffmpeg failed')


def _pyav(src, dst, sample_rate, mono):
    import av
    import soundfile as sf
    with av.open(src) as container:
        if not container.streams.audio:
            raise NoAudioStream(src)
        stream = container.streams.audio[0]
        rate = sample_rate or stream.rate
        layout = 'mono' if mono else stream.layout.name
        channels = 1 if mono else stream.channels
        resampler = av.AudioResampler(format='s16', layout=layout, rate=rate)
        chunks = []
        for frame in container.decode(stream):
            chunks += [f.to_ndarray() for f in resampler.resample(frame)]
        chunks += [f.to_ndarray() for f in resampler.resample(None)]
    # packed s16: (1, samples * channels), interleaved
    pcm = (np.concatenate(chunks, axis=1).reshape(-1, channels)
           if chunks else np.zeros((0, channels), np.int16))
    sf.write(dst, pcm, rate, subtype='PCM_16')


def _librosa(src, dst, sample_rate, mono):
    import librosa
    import soundfile as sf
    wave, sr = librosa.load(src, sr=sample_rate or None, mono=mono)
    sf.write(dst, np.atleast_2d(wave).T, sr, subtype='PCM_16')


BACKENDS = dict(ffmpeg=_ffmpeg, pyav=_pyav, librosa=_librosa)


def available_backends():
    """Backends usable on this machine, in preference order."""
    found = []
    if shutil.which('ffmpeg'):
        found.append('ffmpeg')
    try:
        import av  # noqa: F401
        found.append('pyav')
    except ImportError:
        pass
    found.append('librosa')
    return found


def extract_audio(src, dst, sample_rate=0, mono=False, backend='auto'):
    """Write the audio of video ``src`` to wav ``dst``.

    Args:
        src (str): video file.
        dst (str): output wav path.
        sample_rate (int): output rate; 0 keeps the native one.
        mono (bool): down-mix to one channel.
        backend (str): 'auto', 'ffmpeg', 'pyav' or 'librosa'.

    Raises:
        NoAudioStream: the video has no audio.
        RuntimeError: decoding failed (message names the file).
    """
    if backend == 'auto':
        backend = available_backends()[0]
    if backend not in BACKENDS:
        raise ValueError(f'Unknown backend {backend!r}; valid ones are '
                         f'auto, {", ".join(BACKENDS)}.')
    if not osp.isfile(src):
        raise FileNotFoundError(f'Video not found: {src}')
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    tmp = dst + '.part.wav'
    try:
        BACKENDS[backend](src, tmp, sample_rate, mono)
        os.replace(tmp, dst)  # atomic: no half-written wav on interrupt
    except NoAudioStream:
        raise
    except Exception as err:
        raise RuntimeError(f'Cannot extract audio from {src} with the '
                           f'{backend} backend: {err}') from err
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def list_videos(path):
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'No video file or folder at {path}')
    return sorted(
        osp.join(path, n) for n in os.listdir(path)
        if n.lower().endswith(VIDEO_EXTENSIONS))


def output_name(video, strip_zeros):
    stem = osp.splitext(osp.basename(video))[0]
    if strip_zeros and stem.isdigit():
        stem = str(int(stem))  # DFEW's raw_wav/<id>.wav uses unpadded ids
    return stem + '.wav'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Extract the audio of videos to 16-bit wav files.')
    parser.add_argument('input', help='video file or folder of videos')
    parser.add_argument('output', help='output folder')
    parser.add_argument(
        '--sample-rate',
        type=int,
        default=0,
        help='output rate in Hz; 0 (default) keeps the native rate, as '
        'MMA-DFER did')
    parser.add_argument(
        '--mono', action='store_true', help='down-mix to one channel')
    parser.add_argument(
        '--backend',
        default='auto',
        choices=['auto', *BACKENDS],
        help='decoder (default: ffmpeg if on PATH, else PyAV, else librosa)')
    parser.add_argument(
        '--strip-zeros',
        action='store_true',
        help='name numeric outputs without leading zeros (00042.mp4 -> '
        '42.wav), as DFEW\'s raw_wav/ expects')
    parser.add_argument(
        '--force', action='store_true', help='overwrite existing wav files')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    videos = list_videos(args.input)
    if not videos:
        raise SystemExit(f'No videos ({", ".join(VIDEO_EXTENSIONS)}) in '
                         f'{args.input}')
    backend = (available_backends()[0]
               if args.backend == 'auto' else args.backend)
    print(f'[extract_audio] {len(videos)} videos, backend {backend}, '
          f'sample rate {args.sample_rate or "native"}, '
          f'{"mono" if args.mono else "original channels"}', flush=True)
    done, skipped, no_audio, failed = 0, 0, [], []
    for video in videos:
        dst = osp.join(args.output, output_name(video, args.strip_zeros))
        if osp.isfile(dst) and not args.force:
            skipped += 1
            continue
        try:
            extract_audio(video, dst, args.sample_rate, args.mono, backend)
            done += 1
        except NoAudioStream:
            no_audio.append(video)
        except (RuntimeError, FileNotFoundError) as err:
            failed.append(str(err))
    print(f'[extract_audio] wrote {done}, kept {skipped} existing, '
          f'{len(no_audio)} without audio, {len(failed)} failed', flush=True)
    if no_audio:
        print('[extract_audio] videos without an audio stream (no wav '
              'written; the datasets treat them as has_audio=False where '
              'allowed):\n  ' + '\n  '.join(no_audio), flush=True)
    if failed:
        print('[extract_audio] failures:\n  ' + '\n  '.join(failed),
              file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
