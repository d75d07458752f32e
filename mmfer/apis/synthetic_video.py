"""Rendered SynthFace videos for demos, tests and inference benchmarks.

A SynthFace face (:mod:`mmfer.datasets.synthface`) going through a few
expression episodes (``render_clip``), pasted into a larger frame (default
640 x 480) on a plain background and drifting slowly across it, encoded
with PyAV as H.264 (optionally with an AAC or PCM sound track of
SynthFace's emotional "speech"). Frames are rendered once per episode and
written one at a time, so a 10-minute video needs no more memory than a
10-second one::

    python -m mmfer.apis.synthetic_video demo.mp4 --seconds 10
    python -m mmfer.apis.synthetic_video long.mp4 --seconds 600 --no-audio
"""
import argparse
from fractions import Fraction
from typing import Optional, Sequence, Tuple

import numpy as np

#: The expressions of the episodes, in order (cycled).
EPISODES = ('happiness', 'surprise', 'sadness', 'anger', 'neutral', 'fear',
            'disgust')


def _episode_frames(renderer, subject, expression, num_frames, seed):
    from mmfer.datasets.synthface import render_clip
    clip = render_clip(renderer, subject, expression, num_frames,
                       domain='lab', seed=seed, modalities=('rgb', ),
                       noise=False)
    return clip['rgb']                                  # (T, S, S, 3)


def write_synthface_video(path: str, seconds: float = 4.0, fps: float = 25.0,
                          size: Tuple[int, int] = (640, 480),
                          face_size: int = 192, audio: bool = True,
                          episode_seconds: float = 2.0,
                          expressions: Sequence[str] = EPISODES,
                          faceless_seconds: Sequence[Tuple[float, float]] = (),
                          audio_codec: str = 'aac', seed: int = 0,
                          unique_episodes: Optional[int] = 4) -> dict:
    """Write a video of one SynthFace face changing expression.

    Args:
        path (str): output file (``.mp4``; ``.mkv`` for ``audio_codec=
            'pcm_s16le'``).
        seconds (float): duration.
        fps (float): frame rate.
        size (tuple): ``(width, height)`` of the frame.
        face_size (int): side of the rendered face in pixels.
        audio (bool): add a mono 16 kHz sound track.
        episode_seconds (float): length of one expression episode.
        expressions (Sequence[str]): episode expressions, cycled.
        faceless_seconds (Sequence[tuple]): ``(t0, t1)`` intervals with no
            face in the frame (background only).
        audio_codec (str): ``'aac'`` or ``'pcm_s16le'``.
        seed (int): randomness of the subject and the episodes.
        unique_episodes (int, optional): render this many episodes and
            repeat them (long videos render quickly); None renders all.

    Returns:
        dict: ``num_frames``, ``expressions`` (per frame, '' when faceless),
        ``boxes`` ((N, 4) float32 paste boxes x0, y0, x1, y1; NaN when
        faceless).
    """
    import av
    from mmfer.datasets.synthface import (SynthFaceRenderer, sample_subject,
                                          synthesize_speech_audio)
    width, height = int(size[0]), int(size[1])
    if face_size > min(width, height):
        raise ValueError(f'face_size {face_size} does not fit {size}')
    n = int(round(seconds * fps))
    per_episode = max(int(round(episode_seconds * fps)), 3)
    renderer = SynthFaceRenderer(face_size)
    subject = sample_subject(seed, 0)
    container = av.open(path, 'w')
    vstream = container.add_stream(
        'libx264' if 'libx264' in av.codecs_available else 'mpeg4',
        rate=Fraction(fps).limit_denominator(1001))
    vstream.width, vstream.height, vstream.pix_fmt = width, height, \
        'yuv420p'
    astream = None
    sr = 16000
    if audio:
        astream = container.add_stream(audio_codec, rate=sr)
        astream.layout = 'mono'
    background = np.empty((height, width, 3), np.uint8)
    background[:] = (96, 104, 112)
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    background = (background * (0.85 + 0.3 * yy)).clip(0, 255).astype(
        np.uint8)
    cache = {}
    labels, boxes = [], []
    audio_pos = 0
    for k in range(n):
        t = k / fps
        e = k // per_episode
        key = e if unique_episodes is None else e % unique_episodes
        expr = expressions[e % len(expressions)] if unique_episodes is None \
            else expressions[key % len(expressions)]
        if key not in cache:
            if len(cache) > 2:
                cache.pop(next(iter(cache)))
            cache[key] = _episode_frames(renderer, subject, expr,
                                         per_episode, seed * 1000 + key)
        faceless = any(a <= t < b for a, b in faceless_seconds)
        frame = background.copy()
        if faceless:
            labels.append('')
            boxes.append([np.nan] * 4)
        else:
            face = cache[key][k % per_episode]
            # a slow drift across the frame
            cx = width / 2 + 0.25 * (width - face_size) * np.sin(
                2 * np.pi * t / 12.0)
            cy = height / 2 + 0.2 * (height - face_size) * np.sin(
                2 * np.pi * t / 17.0)
            x0 = int(round(cx - face_size / 2))
            y0 = int(round(cy - face_size / 2))
            frame[y0:y0 + face_size, x0:x0 + face_size] = face
            labels.append(expr)
            boxes.append([x0, y0, x0 + face_size, y0 + face_size])
        vframe = av.VideoFrame.from_ndarray(frame, format='rgb24')
        for packet in vstream.encode(vframe):
            container.mux(packet)
        if astream is not None:
            # the sound of this frame's span, one episode's prosody
            end = int(round((k + 1) / fps * sr))
            if end > audio_pos:
                wave = synthesize_speech_audio(
                    expr if not faceless else 'neutral', subject,
                    (end - audio_pos) / sr, sr=sr, rng=(seed, k))
                if audio_codec == 'pcm_s16le':
                    data = (wave * 32767).astype(np.int16)[None]
                    fmt = 's16'
                else:
                    data, fmt = wave.astype(np.float32)[None], 'fltp'
                aframe = av.AudioFrame.from_ndarray(data, format=fmt,
                                                    layout='mono')
                aframe.sample_rate = sr
                aframe.pts = audio_pos
                aframe.time_base = Fraction(1, sr)
                for packet in astream.encode(aframe):
                    container.mux(packet)
                audio_pos = end
    for stream in (vstream, astream):
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    container.close()
    return dict(num_frames=n, expressions=labels,
                boxes=np.asarray(boxes, np.float32).reshape(-1, 4))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out', help='output video (.mp4)')
    p.add_argument('--seconds', type=float, default=10.0)
    p.add_argument('--fps', type=float, default=25.0)
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--height', type=int, default=480)
    p.add_argument('--face-size', type=int, default=192)
    p.add_argument('--no-audio', action='store_true')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    info = write_synthface_video(a.out, a.seconds, a.fps,
                                 (a.width, a.height), a.face_size,
                                 audio=not a.no_audio, seed=a.seed)
    print(f'wrote {a.out}: {info["num_frames"]} frames of '
          f'{a.width}x{a.height} at {a.fps} fps'
          f'{"" if a.no_audio else " with audio"}')


if __name__ == '__main__':
    main()
