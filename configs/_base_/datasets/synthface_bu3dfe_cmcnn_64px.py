# SynthFace rendered in the BU-3DFE layout (.wrl meshes with texture
# coordinates + F2D.bmp textures, docs/datasets/3d_datasets.md), a CPU-sized
# stand-in for CM-CNN's BU-3DFE P1: 30 subjects x 6 expressions at level 4
# (180 samples), faces aligned to 64 x 64, ten subject-exclusive folds.
# Rendered on first use (a few seconds); the depth images are then fitted
# from the meshes once (the dataset's error names this command when they
# are missing):
#   python tools/dataset_converters/scans_to_depth.py --dataset bu3dfe \
#       data/synthface_bu3dfe_30subj data/synthface_bu3dfe_30subj_depth
# Faces: OpenCV's Haar cascade misses about half of SynthFace's rendered
# faces (docs/face.md), so these configs detect with MTCNN (weights inside
# the facenet-pytorch wheel), each image once per process (cache=True).
_base_ = ['./bu3dfe_cmcnn_148px.py']

data_root = 'data/synthface_bu3dfe_30subj'
depth_root = 'data/synthface_bu3dfe_30subj_depth'
auto_generate = dict(subjects=30, intensities=[4], neutral=False, size=96,
                     seed=0)
img_size = 64
face_detector = dict(type='MTCNNFaceDetector', device='cpu')

train_pipeline, test_pipeline = (
    [dict(t, detector=face_detector, cache=True) if t['type'] == 'DetectFace'
     else dict(t, size=img_size) if t['type'] == 'AlignFace' else t
     for t in pipeline]
    for pipeline in (_base_.train_pipeline, _base_.test_pipeline))

_dataset = dict(
    data_root=data_root,
    depth_root=depth_root,
    # the SynthFace subjects are not BU-3DFE's fixed 60: every rendered
    # subject at level 4 (the 'cmcnn-p1' intensity)
    protocol=None,
    intensities=(4, ),
    auto_generate=auto_generate)
# a plain tools/train.py run holds out 3 of the 30 rendered subjects
val_subjects = ['F0001', 'F0002', 'M0001']
train_subjects = [
    s for s in [f'F{i:04d}' for i in range(1, 16)] +
    [f'M{i:04d}' for i in range(1, 16)] if s not in val_subjects
]
train_dataloader = dict(
    batch_size=16,
    dataset=dict(**_dataset, subjects=train_subjects,
                 pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(**_dataset, subjects=val_subjects, pipeline=test_pipeline))
test_dataloader = val_dataloader
