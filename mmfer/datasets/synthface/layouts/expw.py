"""ExpW (Expression in-the-Wild) layout (see ``DATASETS.md``).

::

    DIR/label/label.lst     one face a line: image_name face_id_in_image
                            face_box_top face_box_left face_box_right
                            face_box_bottom face_box_cofidence (sic)
                            expression_label
    DIR/image/origin/<image_name>   whole web images (2.5 x size)

Labels: 0 angry 1 disgust 2 fear 3 happy 4 sad 5 surprise 6 neutral. A face
is ``img[top:bottom, left:right]``. Each image holds its subject's face and,
with probability 0.35, a stranger's second face (``face_id`` 1, its own
line and expression). The confidence is a detector-like score in (0, 100)
written with 4 decimals (the real files' number format is not documented
in DATASETS.md). No split files (ExpW has no official split). The look:
cluttered web photos (clutter, colour casts, heavy JPEG).
"""
from .face_images import FaceImageLayout, sample_number
from .io import write_lines, write_rgb

#: ExpW label -> SynthFace expression.
EXPW_LABELS = {0: 'anger', 1: 'disgust', 2: 'fear', 3: 'happiness',
               4: 'sadness', 5: 'surprise', 6: 'neutral'}
#: Search-engine query words of the image names (by the first face's label).
EXPW_QUERY = ('angry', 'disgusted', 'afraid', 'happy', 'sad', 'surprised',
              'calm')
P_SECOND_FACE = 0.35

#: ExpW's look: cluttered web photos.
EXPW_LOOK = dict(base='wild', yaw=30.0, pitch=15.0, roll=15.0,
                 scale=(0.9, 1.08), shift=0.05, color_gain=0.25,
                 blur=(0.0, 1.2), gauss_noise=(2.0, 8.0),
                 jpeg_quality=(30, 70), background='clutter',
                 background_level=(50.0, 230.0))


class ExpWLayout(FaceImageLayout):
    """``--layout expw``: ``samples`` whole images per identity."""
    name = 'expw'
    defaults = dict(subjects=4, samples=8, size=64, seed=0)
    classes = tuple(EXPW_LABELS[k] for k in range(7))
    look = EXPW_LOOK

    def write_subject(self, root, index, sid):
        a = self.args
        subject = self.subject(index, sid)
        records = []
        for j in range(a['samples']):
            rng = self.rng(index, j)
            labels = [self.sample_label(rng)]
            people = [subject]
            if rng.random() < P_SECOND_FACE:
                labels.append(self.sample_label(rng))
                people.append(self.extra_identity(index, j))
            rgb, faces = self.scene(
                [(p, self.classes[lab]) for p, lab in zip(people, labels)],
                rng, canvas=int(2.5 * a['size']), face_scale=(0.35, 0.55))
            k = sample_number(index, j, a['samples'])
            name = f'{EXPW_QUERY[labels[0]]}_face_{k + 1}.jpg'
            write_rgb(root / 'image' / 'origin' / name, rgb)
            for face_id, (lab, face) in enumerate(zip(labels, faces)):
                x0, y0, x1, y1 = face['box']
                conf = float(rng.uniform(40.0, 99.9))
                records.append(f'{name} {face_id} {y0} {x0} {x1} {y1} '
                               f'{conf:.4f} {lab}')
        return records

    def finalize(self, root, results):
        write_lines(root / 'label' / 'label.lst',
                    [line for rs in results for line in rs])
        return dict(expw_labels={str(k): v for k, v in EXPW_LABELS.items()})
