# SynthFace rendered in the BP4D layout (Sequences/, Depth/, AUCoding/AU_OCC)
# at 64 x 64: 6 subjects (2 per protocol part, so every fold has train and
# test subjects) x 8 tasks x 12 frames, rendered on first use (~10 s) into
# data/synthface_bp4d_64 and cached. Same dataset class and folds as the real
# BP4D config (fold_protocol inherited: the 3 published parts, which the
# SynthFace subject ids follow); a CPU stand-in for
# configs/_base_/datasets/bp4d_au.py.
_base_ = ['./bp4d_au.py']

data_root = 'data/synthface_bp4d_64'
auto_generate = dict(subjects=6, tasks=8, frames=12, size=64, seed=0)
modalities = ('rgb', )
img_size = 64
# Inference on photos / videos (mmfer.apis.FERInferencer, docs/inference.md):
# SynthFace renders frame the whole face; MTCNN's box plus 0.27 of its side
# per side gives that framing (measured on 24 renders at 64-256 px: margin
# 0.27 +- 0.03, box centre within 0.03 box sides of the image centre).
inference_face = dict(
    _delete_=True,  # replaces the base's (another detector)
    detector=dict(type='MTCNNFaceDetector'), margin=0.27, size=img_size,
    rotate=False)

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    dict(type='PackFERInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        modalities=modalities,
        auto_generate=auto_generate,
        allow_missing_subjects=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        modalities=modalities,
        auto_generate=auto_generate,
        allow_missing_subjects=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
