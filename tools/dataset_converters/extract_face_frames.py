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
# This tool does the same with the face detectors of mmfer.datasets.face
# (docs/face.md): OpenCV's Haar cascade (--detector haar, default; ships
# with opencv-python 4.x) or the paper's MTCNN (--detector mtcnn;
# facenet-pytorch, weights inside the wheel); both work offline. Any
# offline detector is fine since the model only sees the square crops
# resized to the training resolution. Differences, on purpose: the
# *largest* detection is used instead of the union (Haar has more false
# positives than MTCNN), an optional --margin (fraction of the box side
# added on each side, mmfer's one margin definition) enlarges the box, and
# a frame without a detection reuses the previous frame's box (--no-face
# previous, default) or takes the official centre crop (--no-face center);
# the per-video count of frames with a face is printed.
import argparse
import os
import os.path as osp
import sys

import cv2

from mmfer.datasets.face import (HaarFaceDetector, MTCNNFaceDetector,
                                 center_box, clip_crop, square_box)

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.flv', '.m4v')


def load_detector(name='haar', cascade=None, min_face=20):
    """The face detector: ``'haar'`` (OpenCV frontal face, or the given
    cascade file) or ``'mtcnn'``."""
    if name == 'haar':
        kw = dict(face_cascade=cascade) if cascade else {}
        return HaarFaceDetector(scale_factor=1.1, min_neighbors=5,
                                min_size=min_face, find_eyes=False, **kw)
    if name == 'mtcnn':
        return MTCNNFaceDetector(min_face_size=min_face)
    raise ValueError(f"unknown detector {name!r}: 'haar' or 'mtcnn'")


def detect_face(rgb, detector):
    """Largest face box (x1, y1, x2, y2) in integer pixels, or None."""
    faces = detector.detect(rgb)
    if len(faces) == 0:
        return None
    return tuple(int(round(v)) for v in faces.largest().boxes[0])


def extract_faces(video, out_dir, detector, margin=0.0, no_face='previous',
                  padded=False, size=0):
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
        ok, frame = cap.read()                          # BGR
        if not ok:
            break
        box = detect_face(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), detector)
        if box is not None:
            detected += 1
            last_box = square_box(box, margin, integer=True)
            face = clip_crop(frame, last_box)
        elif no_face == 'previous' and last_box is not None:
            face = clip_crop(frame, last_box)
        else:
            face = clip_crop(frame, center_box(frame.shape))
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
        description='Extract per-frame face crops of videos.')
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
    parser.add_argument('--detector', choices=['haar', 'mtcnn'],
                        default='haar', help='face detector (default haar; '
                        'mtcnn is the paper\'s, slower on CPU)')
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
    detector = load_detector(args.detector, args.cascade, args.min_face)
    failed = []
    for video in videos:
        stem = osp.splitext(osp.basename(video))[0]
        out_dir = osp.join(args.output, stem)
        if osp.isdir(out_dir) and os.listdir(out_dir) and not args.force:
            continue
        try:
            n, found = extract_faces(video, out_dir, detector, args.margin,
                                     args.no_face, args.padded, args.size)
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
