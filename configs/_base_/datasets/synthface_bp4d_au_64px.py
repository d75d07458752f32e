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
