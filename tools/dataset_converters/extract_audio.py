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
#
# Truncated videos (an interrupted download or copy) are refused: an mp4
# with its index at the front (``movflags=faststart``) still declares its
# full duration when its tail is missing, and decoders return the audio that
# is there without an error. The samples written are compared with the
# declared duration (the audio stream's; the container's when the stream
# declares none); a shortfall of more than TRUNCATION_SLACK_SAMPLES (AAC
# priming / padding; plus CONTAINER_SLACK_SECONDS when only the container,
# i.e. the longest stream, declares a duration) lists the video as truncated,
# with no wav. --keep-truncated writes the decoded part anyway. The pyav
# backend checks the audio stream's duration, the ffmpeg backend the
# container's "Duration:" line of `ffmpeg -i`; librosa declares none and is
# not checked.
import argparse
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
from typing import NamedTuple, Optional

import numpy as np
import soundfile as sf

# AAC decoders return up to 1024 priming + 1024 padding samples more or less
# than were encoded (2 s written at 16 kHz decode to 32768 samples).
TRUNCATION_SLACK_SAMPLES = 2048
# The container's duration covers its longest stream: the audio may end a
# few video frames earlier in a complete file.
CONTAINER_SLACK_SECONDS = 0.1

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.flv', '.m4v')


class NoAudioStream(Exception):
    """The container holds no audio stream."""


class DeclaredAudio(NamedTuple):
    """What a backend learnt about the audio track it decoded.

    Attributes:
        seconds (float | None): declared duration; None if none is declared.
        declared_by (str): ``'audio stream'`` or ``'container'``.
        native_rate (int | None): the track's own sample rate (Hz).
        decode_error (str | None): the decoder's error, if decoding stopped
            early; the samples before it were written.
    """
    seconds: Optional[float] = None
    declared_by: str = 'audio stream'
    native_rate: Optional[int] = None
    decode_error: Optional[str] = None


class TruncatedVideo(Exception):
    """Fewer audio samples were decoded than the video declares.

    Args:
        src (str): the video.
        declared (DeclaredAudio): the declared duration.
        decoded_samples (int): samples per channel in the wav.
        rate (int): the wav's sample rate (Hz).
    """

    def __init__(self, src, declared, decoded_samples, rate):
        self.src = src
        self.declared_samples = int(round(declared.seconds * rate))
        self.decoded_samples = int(decoded_samples)
        self.rate = int(rate)
        decoder = (f'; the decoder stopped with: {declared.decode_error}'
                   if declared.decode_error else '')
        super().__init__(
            f'{src} is truncated: its {declared.declared_by} declares '
            f'{self.declared_samples} audio samples ({declared.seconds:.3f} s '
            f'at {rate} Hz) but only {self.decoded_samples} '
            f'({self.decoded_samples / rate:.3f} s) could be decoded'
            f'{decoder}. The file was probably cut short (an interrupted '
            'download or copy): re-download it or re-encode it from the '
            'original, or pass --keep-truncated (keep_truncated=True) to '
            'write the decoded part anyway.')


def check_decoded_length(src, declared, decoded_samples, rate):
    """Raise :class:`TruncatedVideo` if the wav is shorter than declared.

    Args:
        src (str): the video (named in the message).
        declared (DeclaredAudio): from the backend.
        decoded_samples (int): samples per channel written.
        rate (int): the written sample rate (Hz).
    """
    if declared.seconds is None:
        if declared.decode_error:
            raise RuntimeError(declared.decode_error)
        return
    native = declared.native_rate or rate
    slack = TRUNCATION_SLACK_SAMPLES / native  # seconds
    if declared.declared_by == 'container':
        slack += CONTAINER_SLACK_SECONDS
    if decoded_samples / rate + slack < declared.seconds:
        raise TruncatedVideo(src, declared, decoded_samples, rate)
    if declared.decode_error:  # a bad packet, not a missing tail
        raise RuntimeError(declared.decode_error)


def parse_ffmpeg_probe(stderr):
    """The container duration and audio rate from ``ffmpeg -i`` output.

    Returns:
        DeclaredAudio: ``seconds`` from the ``Duration: HH:MM:SS.ss`` line
        (None for ``N/A``), ``native_rate`` from the first audio stream's
        ``NNNNN Hz``.
    """
    duration = re.search(r'Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)', stderr)
    seconds = None
    if duration:
        hours, minutes, secs = duration.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    rate = re.search(r'Audio:.*?(\d+) Hz', stderr)
    return DeclaredAudio(seconds, 'container',
                         int(rate.group(1)) if rate else None)


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
    # ffmpeg exits 0 on a cut-short file; extract_audio compares the wav
    # with the container's duration (ffmpeg -i shows no stream durations).
    return parse_ffmpeg_probe(probe.stderr)


def _pyav(src, dst, sample_rate, mono):
    import av
    with av.open(src) as container:
        if not container.streams.audio:
            raise NoAudioStream(src)
        stream = container.streams.audio[0]
        if stream.duration is not None:
            declared = DeclaredAudio(
                float(stream.duration * stream.time_base), 'audio stream',
                stream.rate)
        elif container.duration is not None:  # in 1 / av.time_base s
            declared = DeclaredAudio(container.duration / av.time_base,
                                     'container', stream.rate)
        else:
            declared = DeclaredAudio(native_rate=stream.rate)
        rate = sample_rate or stream.rate
        layout = 'mono' if mono else stream.layout.name
        channels = 1 if mono else stream.channels
        resampler = av.AudioResampler(format='s16', layout=layout, rate=rate)
        chunks = []
        try:
            for frame in container.decode(stream):
                chunks += [f.to_ndarray() for f in resampler.resample(frame)]
        except av.FFmpegError as err:  # e.g. a packet cut in half
            if not chunks:
                raise
            declared = declared._replace(decode_error=str(err))
        chunks += [f.to_ndarray() for f in resampler.resample(None)]
    # packed s16: (1, samples * channels), interleaved
    pcm = (np.concatenate(chunks, axis=1).reshape(-1, channels)
           if chunks else np.zeros((0, channels), np.int16))
    sf.write(dst, pcm, rate, subtype='PCM_16')
    return declared


def _librosa(src, dst, sample_rate, mono):
    import librosa
    wave, sr = librosa.load(src, sr=sample_rate or None, mono=mono)
    sf.write(dst, np.atleast_2d(wave).T, sr, subtype='PCM_16')
    return DeclaredAudio()  # audioread declares no duration: not checked


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


def extract_audio(src, dst, sample_rate=0, mono=False, backend='auto',
                  keep_truncated=False):
    """Write the audio of video ``src`` to wav ``dst``.

    Args:
        src (str): video file.
        dst (str): output wav path.
        sample_rate (int): output rate; 0 keeps the native one.
        mono (bool): down-mix to one channel.
        backend (str): 'auto', 'ffmpeg', 'pyav' or 'librosa'.
        keep_truncated (bool): write the decoded part of a truncated video
            and return the :class:`TruncatedVideo` instead of raising it.
            Defaults to False.

    Returns:
        TruncatedVideo | None: with ``keep_truncated``, the shortfall of a
        truncated video whose decoded part was written; else None.

    Raises:
        NoAudioStream: the video has no audio.
        TruncatedVideo: fewer samples decoded than the video declares (the
            message names the file, both counts and the fix); no wav is
            written.
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
    truncated = None
    try:
        declared = BACKENDS[backend](src, tmp, sample_rate, mono)
        written = sf.info(tmp)
        try:
            check_decoded_length(src, declared, written.frames,
                                 written.samplerate)
        except TruncatedVideo as err:
            if not keep_truncated:
                raise
            truncated = err
        os.replace(tmp, dst)  # atomic: no half-written wav on interrupt
        return truncated
    except (NoAudioStream, TruncatedVideo):
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
    parser.add_argument(
        '--keep-truncated',
        action='store_true',
        help='write the decoded part of videos whose audio is shorter than '
        'they declare (default: list them and write no wav)')
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
    done, skipped, no_audio, truncated, failed = 0, 0, [], [], []
    for video in videos:
        dst = osp.join(args.output, output_name(video, args.strip_zeros))
        if osp.isfile(dst) and not args.force:
            skipped += 1
            continue
        try:
            kept_short = extract_audio(video, dst, args.sample_rate,
                                       args.mono, backend,
                                       args.keep_truncated)
            done += 1
            if kept_short is not None:
                truncated.append(str(kept_short))
        except NoAudioStream:
            no_audio.append(video)
        except TruncatedVideo as err:
            truncated.append(str(err))
        except (RuntimeError, FileNotFoundError) as err:
            failed.append(str(err))
    print(f'[extract_audio] wrote {done}, kept {skipped} existing, '
          f'{len(no_audio)} without audio, {len(truncated)} truncated, '
          f'{len(failed)} failed', flush=True)
    if no_audio:
        print('[extract_audio] videos without an audio stream (no wav '
              'written; the datasets treat them as has_audio=False where '
              'allowed):\n  ' + '\n  '.join(no_audio), flush=True)
    if truncated:
        kept = ('wav written with the decoded part (--keep-truncated)'
                if args.keep_truncated else 'no wav written')
        print(f'[extract_audio] truncated videos ({kept}):\n  ' +
              '\n  '.join(truncated), file=sys.stderr, flush=True)
    if failed:
        print('[extract_audio] failures:\n  ' + '\n  '.join(failed),
              file=sys.stderr, flush=True)
    return 1 if failed or (truncated and not args.keep_truncated) else 0


if __name__ == '__main__':
    sys.exit(main())
