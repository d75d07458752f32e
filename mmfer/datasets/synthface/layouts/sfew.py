"""SFEW 2.0 layout (see ``DATASETS.md``).

::

    DIR/Train/Train_Aligned_Faces/<Class>/<Movie>_<frame:09d>_<face:08d>.png
    DIR/Val/Val_Aligned_Faces/<Class>/...png

Class folders: Angry Disgust Fear Happy Neutral Sad Surprise (the test
split's labels are withheld, so no Test folder is written). Every third
image (global number ``k % 3 == 2``) is a Val image (958 / 436 in SFEW).
Each identity is an "actor" of one movie (``Movie<index + 1>``). The look:
dark, side-lit movie stills (low light, strong shadows, colour grading).
"""
from .face_images import FaceImageLayout, sample_number
from .io import write_rgb

#: SFEW class folders in label order (folder order) -> SynthFace names.
SFEW_FOLDERS = {'Angry': 'anger', 'Disgust': 'disgust', 'Fear': 'fear',
                'Happy': 'happiness', 'Neutral': 'neutral',
                'Sad': 'sadness', 'Surprise': 'surprise'}

#: SFEW's look: dark movie stills.
SFEW_LOOK = dict(base='wild', yaw=35.0, pitch=15.0, roll=12.0,
                 scale=(0.9, 1.06), shift=0.05,
                 light_azimuth=(-85.0, 85.0), light_elevation=(5.0, 45.0),
                 light_intensity=(0.3, 0.65), ambient=(0.05, 0.2),
                 color_gain=0.18, blur=(0.3, 1.2), gauss_noise=(3.0, 9.0),
                 jpeg_quality=(50, 85), background='gradient',
                 background_level=(10.0, 55.0))


class SFEWLayout(FaceImageLayout):
    """``--layout sfew``: ``samples`` aligned faces per identity."""
    name = 'sfew'
    defaults = dict(subjects=4, samples=9, size=64, seed=0)
    classes = tuple(SFEW_FOLDERS.values())
    look = SFEW_LOOK

    def write_subject(self, root, index, sid):
        a = self.args
        subject = self.subject(index, sid)
        folders = list(SFEW_FOLDERS)
        records = []
        for j in range(a['samples']):
            rng = self.rng(index, j)
            label = self.sample_label(rng)
            k = sample_number(index, j, a['samples'])
            split = 'Val' if k % 3 == 2 else 'Train'
            frame = int(rng.integers(1, 10 ** 9))
            name = f'Movie{index + 1}_{frame:09d}_{j + 1:08d}.png'
            rel = f'{split}/{split}_Aligned_Faces/{folders[label]}/{name}'
            write_rgb(root / rel, self.face(subject, self.classes[label],
                                            rng)['rgb'])
            records.append(dict(path=rel, label=label))
        return records

    def finalize(self, root, results):
        return dict(sfew_folders=list(SFEW_FOLDERS))
