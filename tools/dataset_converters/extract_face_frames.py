# Decode videos into per-frame face crops (MMA-DFER's clips_faces/ layout).
#
#   python tools/dataset_converters/extract_face_frames.py IN OUT [options]
#
# IN is a video file or a folder of videos; each video <stem>.mp4 becomes
# OUT/<stem>/0.jpg, 1.jpg, ... (0-based, unpadded: MMA-DFER's naming; the
# datasets sort frames numerically) or 00001.jpg ... with --padded. E.g.
# MAFW:
#
#   python tools/dataset_converters/extract_face_frames.py \
#       data/mafw/data/clips data/mafw/clips_faces
#
# Preprocessing of the paper (MMA-DFER, Sec. 4.1: "For MAFW, we extract
# faces with MTCNN"): the official script runs facenet-pytorch's MTCNN on
# every frame, takes the union box of all detected faces, makes it square
# around its centre (the shorter side grows to the longer one), crops it
# (clipped to the image) and writes the crop without resizing; a frame
# without a detection is replaced by a centre square of side
# min(H, W) / 2. DFEW ships aligned 224x224 face clips (Clip/clip_224x224)
# and needs no detection.
#
# This tool does the same with OpenCV's Haar cascade, which works offline
# (the cascade ships with opencv-python 4.x); any offline detector is fine
# since the model only sees the square crops resized to the training
# resolution. Differences, on purpose: the *largest* detection is used
# instead of the union (Haar has more false positives than MTCNN), an
# optional --margin enlarges the box, and a frame without a detection
# reuses the previous frame's box (--no-face previous, default) or takes
# the official centre crop (--no-face center).
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.flv', '.m4v')


def load_cascade(path=None):
    """OpenCV's frontal-face Haar cascade (or a given cascade file)."""
    if path is None:
        folder = getattr(getattr(cv2, 'data', None), 'haarcascades', '')
        path = osp.join(folder, 'haarcascade_frontalface_default.xml')
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise FileNotFoundError(
            f'Cannot load the Haar cascade {path}. opencv 5.x wheels ship no '
            'cascades: install opencv-python(-headless)<5 (see '
            'requirements/runtime.txt) or pass --cascade FILE.')
    return cascade


def detect_face(gray, cascade, min_size=20):
    """Largest face box (x1, y1, x2, y2) or None."""
    faces = cascade.detectMultiScale(
        gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size))
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return int(x), int(y), int(x + w), int(y + h)


def square_box(box, margin=0.0):
    """Square box around the centre of ``box`` (side = longer side)."""
    x1, y1, x2, y2 = box
    side = max(x2 - x1, y2 - y1) * (1.0 + 2.0 * margin)
    cx, cy = (x1 + x2) / 2.0, (y1 + y2) / 2.0
    half = side / 2.0
    return (int(round(cx - half)), int(round(cy - half)),
            int(round(cx + half)), int(round(cy + half)))


def crop(img, box):
    """Crop ``box`` clipped to the image (as the official script)."""
    h, w = img.shape[:2]
    x1, y1, x2, y2 = box
    return img[max(0, y1):min(h, y2), max(0, x1):min(w, x2)]


def center_square(img):
    """The official fallback: centre square of side min(H, W) // 2."""
    h, w = img.shape[:2]
    s = min(h // 2, w // 2)
    return img[h // 2 - s // 2:h // 2 + s // 2,
               w // 2 - s // 2:w // 2 + s // 2]


def extract_faces(video, out_dir, cascade, margin=0.0, no_face='previous',
                  padded=False, size=0, min_face=20):
    """Write the face crop of every frame of ``video`` into ``out_dir``.

    Returns:
        tuple: ``(frames written, frames with a detected face)``.
    """
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise RuntimeError(f'Cannot open video {video} (missing, corrupt, '
                           'or a codec OpenCV cannot decode).')
    os.makedirs(out_dir, exist_ok=True)
    count, detected, last_box = 0, 0, None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        box = detect_face(gray, cascade, min_face)
        if box is not None:
            detected += 1
            last_box = square_box(box, margin)
            face = crop(frame, last_box)
        elif no_face == 'previous' and last_box is not None:
            face = crop(frame, last_box)
        else:
            face = center_square(frame)
        if size:
            face = cv2.resize(face, (size, size),
                              interpolation=cv2.INTER_AREA)
        name = f'{count + 1:05d}.jpg' if padded else f'{count}.jpg'
        if not cv2.imwrite(osp.join(out_dir, name), face):
            raise RuntimeError(f'Cannot write {osp.join(out_dir, name)}')
        count += 1
    cap.release()
    if count == 0:
        raise RuntimeError(f'No frame could be decoded from {video}.')
    return count, detected


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Extract per-frame face crops of videos (Haar cascade).')
    parser.add_argument('input', help='video file or folder of videos')
    parser.add_argument('output', help='output folder (one folder per video)')
    parser.add_argument('--margin', type=float, default=0.0,
                        help='enlarge the square box by this fraction of its '
                        'side on each side (default 0, as the official box)')
    parser.add_argument('--no-face', choices=['previous', 'center'],
                        default='previous',
                        help='frames without a detection: previous frame\'s '
                        'box (default) or the official centre crop')
    parser.add_argument('--size', type=int, default=0,
                        help='resize crops to SIZE x SIZE (0: keep, default)')
    parser.add_argument('--min-face', type=int, default=20,
                        help='smallest face side in pixels (default 20)')
    parser.add_argument('--padded', action='store_true',
                        help='name frames 00001.jpg... instead of 0.jpg...')
    parser.add_argument('--cascade', help='Haar cascade xml (default: '
                        "OpenCV's frontal face cascade)")
    parser.add_argument('--force', action='store_true',
                        help='redo videos whose output folder exists')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if osp.isfile(args.input):
        videos = [args.input]
    elif osp.isdir(args.input):
        videos = sorted(
            osp.join(args.input, n) for n in os.listdir(args.input)
            if n.lower().endswith(VIDEO_EXTENSIONS))
    else:
        raise SystemExit(f'No video file or folder at {args.input}')
    cascade = load_cascade(args.cascade)
    failed = []
    for video in videos:
        stem = osp.splitext(osp.basename(video))[0]
        out_dir = osp.join(args.output, stem)
        if osp.isdir(out_dir) and os.listdir(out_dir) and not args.force:
            continue
        try:
            n, found = extract_faces(video, out_dir, cascade, args.margin,
                                     args.no_face, args.padded, args.size,
                                     args.min_face)
            print(f'[extract_face_frames] {stem}: {n} frames, face found in '
                  f'{found}', flush=True)
        except RuntimeError as err:
            failed.append(str(err))
    if failed:
        print('[extract_face_frames] failures:\n  ' + '\n  '.join(failed),
              file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
