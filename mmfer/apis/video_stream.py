"""Streaming video / audio decoding and writing with PyAV.

:class:`VideoFrameStream` yields the selected frames of a video one at a
time (nothing but the current frame is held, so memory does not grow with
the video's length); :class:`AudioTrack` reads the video's own sound track
as a rolling buffer for time windows that move forward (MMA-DFER's clip
audio); :class:`VideoWriter` encodes annotated frames into an mp4.
"""
import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

#: File extensions :class:`~mmfer.apis.FERInferencer` treats as videos.
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.flv', '.m4v',
                    '.mpg', '.mpeg', '.wmv')


def _av():
    try:
        import av
    except ImportError as err:  # pragma: no cover - av is a dependency
        raise ImportError('Video input needs PyAV: pip install av') from err
    return av


def open_container(path: str):
    """``av.open(path)`` with one error naming the file and the fix."""
    av = _av()
    try:
        return av.open(path)
    except (av.FFmpegError, OSError, ValueError) as err:
        raise ValueError(
            f'Cannot open video {path} ({type(err).__name__}: {err}). The '
            'file is missing, truncated (an mp4 cut before its index) or '
            'not a video FFmpeg decodes; re-encode it, e.g. ffmpeg -i IN '
            '-c:v libx264 OUT.mp4.') from None


@dataclass
class VideoFrame:
    """One decoded frame.

    Args:
        index (int): position in the decoded stream (0-based, every frame
            counted, selected or not).
        timestamp (float): presentation time in seconds.
        rgb (np.ndarray): (H, W, 3) uint8 RGB.
    """
    index: int
    timestamp: float
    rgb: np.ndarray


class VideoFrameStream:
    """Decode a video frame by frame, keeping every ``every``-th frame or
    ``fps`` frames per second.

    Frames that are not selected are decoded (a codec needs them) but not
    converted to RGB. A decoding error mid-stream (a truncated or damaged
    file) ends the stream with a warning naming the file and the frames
    read; :attr:`truncated` is then True.

    Args:
        path (str): the video file.
        every (int): keep frames 0, every, 2 * every, ... Default: 1.
        fps (float, optional): keep the first frame at or after each
            multiple of ``1 / fps`` seconds instead (not with ``every``).
        threads (bool): let FFmpeg decode with threads. Default: True.

    Attributes:
        fps (float): the video's average frame rate (0 if unknown).
        num_frames (int): frames the container header announces (0 if
            unknown).
        width, height (int): frame size.
        decoded (int): frames decoded so far; ``selected``: frames yielded.
        truncated (bool), warning (str | None): set when decoding stopped
            early (the message names the file).
    """

    def __init__(self, path: str, every: int = 1,
                 fps: Optional[float] = None, threads: bool = True):
        if every < 1:
            raise ValueError(f'every must be >= 1, got {every}')
        if fps is not None and every != 1:
            raise ValueError('give every=N or fps=F, not both')
        if fps is not None and fps <= 0:
            raise ValueError(f'fps must be > 0, got {fps}')
        self.path, self.every, self.target_fps = path, int(every), fps
        container = open_container(path)
        try:
            if not container.streams.video:
                raise ValueError(f'{path} has no video stream (an audio '
                                 'file?); give a video or an image.')
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            self.fps = float(rate) if rate else 0.0
            self.num_frames = int(stream.frames or 0)
            if not self.num_frames and container.duration and self.fps:
                self.num_frames = int(round(container.duration / 1e6 *
                                            self.fps))
            self.width = int(stream.codec_context.width)
            self.height = int(stream.codec_context.height)
            self.has_audio = bool(container.streams.audio)
        finally:
            container.close()
        self.threads = threads
        self.decoded = self.selected = 0
        self.truncated, self.warning = False, None

    @property
    def expected_selected(self) -> int:
        """Frames the selection should yield (from the header; 0 if
        unknown), for a progress bar."""
        if not self.num_frames:
            return 0
        if self.target_fps and self.fps:
            return int(np.ceil(self.num_frames * min(
                1.0, self.target_fps / self.fps)))
        return -(-self.num_frames // self.every)

    def __iter__(self) -> Iterator[VideoFrame]:
        av = _av()
        container = open_container(self.path)
        stream = container.streams.video[0]
        if self.threads:
            stream.thread_type = 'AUTO'
        next_time = 0.0
        step = 1.0 / self.target_fps if self.target_fps else None
        index = -1
        try:
            decoder = container.decode(stream)
            while True:
                try:
                    frame = next(decoder)
                except StopIteration:
                    break
                except (av.FFmpegError, ValueError, OSError) as err:
                    self._warn(
                        f'Video {self.path}: decoding stopped after frame '
                        f'{index} ({type(err).__name__}: {err}); the file '
                        'is truncated or damaged. Results cover the frames '
                        'read.')
                    break
                index += 1
                self.decoded += 1
                t = frame.time
                if t is None:
                    t = index / self.fps if self.fps else float(index)
                if step is not None:
                    if t + 1e-6 < next_time:
                        continue
                    next_time += step * max(1, int((t - next_time) // step)
                                            + 1)
                elif index % self.every:
                    continue
                self.selected += 1
                yield VideoFrame(index, float(t),
                                 frame.to_ndarray(format='rgb24'))
        finally:
            container.close()
        expected = (self.num_frames - 1 if stream_is_exact(self.path)
                    else 0.9 * self.num_frames - 1)   # from the duration
        if not self.truncated and self.decoded < expected:
            self._warn(
                f'Video {self.path}: the header announces '
                f'{self.num_frames} frames (or a duration of as many) but '
                f'{self.decoded} were decoded; '
                'the file is truncated. Results cover the frames read.')

    def _warn(self, message: str):
        self.truncated, self.warning = True, message
        print_log(message, logger='current', level=logging.WARNING)


def stream_is_exact(path: str) -> bool:
    """Whether the container's frame count is exact (mp4 / mov index every
    frame; for others it is estimated from the header's duration, and a
    shortfall over 10 % counts as truncation)."""
    return path.lower().endswith(('.mp4', '.mov', '.m4v'))


class AudioTrack:
    """A video's own sound track, read forward as a rolling buffer.

    :meth:`segment` returns the samples of ``[t0, t1)`` seconds; calls
    must come with non-decreasing ``t0`` (sliding windows), so samples
    before the last ``t0`` are dropped and the buffer stays a window long.

    Args:
        path (str): the video (or audio) file.

    Attributes:
        available (bool): the file has an audio stream.
        sample_rate (int): its rate (native, as MMA-DFER's loader).
    """

    def __init__(self, path: str):
        self.path = path
        container = open_container(path)
        self.available = bool(container.streams.audio)
        self.sample_rate = (int(container.streams.audio[0].rate)
                            if self.available else 0)
        container.close()
        self._container = None
        self._frames = None
        self._buffer = np.zeros((0, 0), np.float32)    # (C, N)
        self._start = 0            # sample index of _buffer[:, 0]
        self._done = False

    def _open(self):
        av = _av()
        self._container = open_container(self.path)
        stream = self._container.streams.audio[0]
        self._resampler = av.AudioResampler(format='fltp',
                                            layout=stream.layout,
                                            rate=self.sample_rate)
        self._frames = self._container.decode(stream)

    def _pull(self) -> bool:
        """Decode one more audio frame into the buffer; False at the end."""
        av = _av()
        if self._done:
            return False
        if self._frames is None:
            self._open()
        try:
            frame = next(self._frames)
        except StopIteration:
            self._done = True
            return False
        except (av.FFmpegError, ValueError, OSError) as err:
            self._done = True
            print_log(f'Audio of {self.path}: decoding stopped '
                      f'({type(err).__name__}: {err}); later windows get '
                      'the samples read so far.', logger='current',
                      level=logging.WARNING)
            return False
        for out in self._resampler.resample(frame):
            arr = out.to_ndarray().astype(np.float32)         # (C, n)
            if not self._buffer.size:
                self._buffer = np.zeros((arr.shape[0], 0), np.float32)
            self._buffer = np.concatenate([self._buffer, arr], axis=1)
        return True

    def segment(self, t0: float, t1: float) -> np.ndarray:
        """(C, N) float32 samples in [t0, t1) seconds (fewer at the end of
        the track; (C, 0) past it)."""
        if not self.available:
            raise ValueError(f'{self.path} has no audio stream')
        s0 = max(int(round(t0 * self.sample_rate)), 0)
        s1 = max(int(round(t1 * self.sample_rate)), s0)
        while self._start + self._buffer.shape[-1] < s1 and self._pull():
            pass
        if s0 > self._start and self._buffer.size:           # drop the past
            cut = min(s0 - self._start, self._buffer.shape[1])
            self._buffer = self._buffer[:, cut:]
            self._start += cut
        lo = max(s0 - self._start, 0)
        hi = max(s1 - self._start, 0)
        if not self._buffer.size:
            return np.zeros((1, 0), np.float32)
        return self._buffer[:, lo:hi].copy()

    def close(self):
        if self._container is not None:
            self._container.close()
            self._container = None


class VideoWriter:
    """Encode RGB frames into an H.264 mp4 with PyAV.

    Args:
        path (str): output file.
        fps (float): frame rate.
        size (tuple): ``(width, height)``; odd sizes are padded by one
            pixel (yuv420p needs even sides).
        options (dict, optional): encoder options, e.g.
            ``{'preset': 'veryfast'}``.
    """

    def __init__(self, path: str, fps: float, size: Tuple[int, int],
                 options: Optional[dict] = None):
        av = _av()
        self.container = av.open(path, 'w')
        rate = Fraction(fps).limit_denominator(1001) if fps else 25
        codec = 'libx264' if 'libx264' in av.codecs_available else 'mpeg4'
        self.stream = self.container.add_stream(codec, rate=rate)
        self.width, self.height = (int(size[0]) + int(size[0]) % 2,
                                   int(size[1]) + int(size[1]) % 2)
        self.stream.width, self.stream.height = self.width, self.height
        self.stream.pix_fmt = 'yuv420p'
        if options:
            self.stream.options = dict(options)
        self.path = path

    def write(self, rgb: np.ndarray):
        av = _av()
        h, w = rgb.shape[:2]
        if (w, h) != (self.width, self.height):
            pad = np.zeros((self.height, self.width, 3), np.uint8)
            pad[:h, :w] = rgb[:self.height, :self.width]
            rgb = pad
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb),
                                           format='rgb24')
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self):
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
