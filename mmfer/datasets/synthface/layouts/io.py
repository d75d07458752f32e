"""File writers shared by the layout writers (images, PNG16, WAV, video)."""
import csv
import json
import wave
from pathlib import Path

import cv2
import numpy as np

_PNG = [cv2.IMWRITE_PNG_COMPRESSION, 1]
_JPG = [cv2.IMWRITE_JPEG_QUALITY, 92]


def _mkparent(path):
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def _imwrite(path, img, params):
    _mkparent(path)
    if not cv2.imwrite(str(path), img, params):
        raise OSError(f'cv2.imwrite failed for {path}')


def write_rgb(path, rgb):
    """Write an RGB uint8 (H, W, 3) image; the extension picks PNG or JPEG."""
    params = _JPG if str(path).endswith('.jpg') else _PNG
    _imwrite(path, np.ascontiguousarray(rgb[..., ::-1]), params)


def encode_rgb_jpg(rgb):
    """JPEG bytes of an RGB image (for zip archives)."""
    ok, buf = cv2.imencode('.jpg', np.ascontiguousarray(rgb[..., ::-1]), _JPG)
    assert ok
    return buf.tobytes()


def write_png(path, img):
    """Write a uint8 or uint16 single-channel (or BGR) PNG losslessly."""
    _imwrite(path, img, _PNG)


def write_wav(path, wav, sr=16000):
    """Write mono float audio in [-1, 1] as 16-bit PCM with the stdlib."""
    _mkparent(path)
    pcm = np.clip(np.rint(np.asarray(wav) * 32767), -32768, 32767)
    with wave.open(str(path), 'wb') as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(int(sr))
        f.writeframes(pcm.astype('<i2').tobytes())


def read_wav(path):
    """Read a 16-bit PCM mono WAV -> (float32 waveform, sample rate)."""
    with wave.open(str(path), 'rb') as f:
        sr = f.getframerate()
        data = np.frombuffer(f.readframes(f.getnframes()), '<i2')
    return data.astype(np.float32) / 32767.0, sr


def write_csv(path, rows, header=None):
    _mkparent(path)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)


def write_lines(path, lines):
    _mkparent(path)
    with open(path, 'w') as f:
        f.writelines(f'{line}\n' for line in lines)


def write_json(path, obj):
    _mkparent(path)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1)


def write_video(path, frames_rgb, fps, fourccs):
    """Write (T, H, W, 3) RGB frames with the first fourcc that works.

    Returns:
        str: the fourcc used.

    Raises:
        OSError: if no fourcc could open a writer.
    """
    _mkparent(path)
    h, w = frames_rgb.shape[1:3]
    for code in fourccs:
        vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*code),
                             float(fps), (w, h))
        if vw.isOpened():
            for f in frames_rgb:
                vw.write(np.ascontiguousarray(f[..., ::-1]))
            vw.release()
            return code
        vw.release()
    raise OSError(f'no video codec among {fourccs} could write {path}')
