"""RAF-DB basic layout (see ``DATASETS.md``).

::

    DIR/basic/EmoLabel/list_patition_label.txt   (sic) "train_00001.jpg 5"
                                                  / "test_0001.jpg 4"
    DIR/basic/Image/aligned/<name>_aligned.jpg   aligned face, size x size
    DIR/basic/Image/original/<name>.jpg          whole image (2 x size)

Labels: 1 Surprise, 2 Fear, 3 Disgust, 4 Happiness, 5 Sadness, 6 Anger,
7 Neutral. Train numbers have 5 digits, test numbers 4. Every fifth sample
(global number ``k % 5 == 4``) is a test image (RAF-DB's ~80/20 split).
The look: in-the-wild colour pictures from the web (pose, colour cast,
JPEG).
"""
from .face_images import FaceImageLayout, sample_number
from .io import write_lines, write_rgb

#: RAF-DB label -> SynthFace expression.
RAFDB_LABELS = {1: 'surprise', 2: 'fear', 3: 'disgust', 4: 'happiness',
                5: 'sadness', 6: 'anger', 7: 'neutral'}

#: RAF-DB's look: wild web pictures, moderate pose, colour, JPEG.
RAFDB_LOOK = dict(base='wild', yaw=25.0, pitch=12.0, roll=10.0,
                  scale=(0.92, 1.05), shift=0.04, color_gain=0.15,
                  blur=(0.0, 0.8), gauss_noise=(1.0, 5.0),
                  jpeg_quality=(60, 90), background='clutter')


def rafdb_name(k):
    """File name of global sample ``k``: ``(split, 'train_00001.jpg')``."""
    if k % 5 == 4:
        return 'test', f'test_{k // 5 + 1:04d}.jpg'
    return 'train', f'train_{k - (k + 1) // 5 + 1:05d}.jpg'


class RAFDBLayout(FaceImageLayout):
    """``--layout rafdb``: ``samples`` images per identity."""
    name = 'rafdb'
    defaults = dict(subjects=4, samples=10, size=64, seed=0, originals=True)
    classes = tuple(RAFDB_LABELS[k] for k in range(1, 8))
    look = RAFDB_LOOK

    def write_subject(self, root, index, sid):
        a = self.args
        subject = self.subject(index, sid)
        img_dir = root / 'basic' / 'Image'
        records = []
        for j in range(a['samples']):
            rng = self.rng(index, j)
            label = self.sample_label(rng)
            k = sample_number(index, j, a['samples'])
            split, name = rafdb_name(k)
            stem = name[:-len('.jpg')]
            expr = self.classes[label]
            write_rgb(img_dir / 'aligned' / f'{stem}_aligned.jpg',
                      self.face(subject, expr, rng)['rgb'])
            if a['originals']:
                rgb, _ = self.scene([(subject, expr)], rng,
                                    face_scale=(0.5, 0.8))
                write_rgb(img_dir / 'original' / name, rgb)
            records.append(dict(k=k, name=name, label=label + 1))
        return records

    def finalize(self, root, results):
        recs = [r for rs in results for r in rs]
        # the official file lists the train images, then the test images
        recs.sort(key=lambda r: (not r['name'].startswith('train'),
                                 r['name']))
        write_lines(root / 'basic' / 'EmoLabel' / 'list_patition_label.txt',
                    [f'{r["name"]} {r["label"]}' for r in recs])
        return dict(rafdb_labels={str(k): v for k, v in RAFDB_LABELS.items()})
