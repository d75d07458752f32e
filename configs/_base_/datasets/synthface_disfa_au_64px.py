# SynthFace rendered in the DISFA layout (left-camera video, extracted
# img/SN001/{t}.png frames, ActionUnit_Labels) at 64 x 64: 6 subjects (2 per
# protocol part) x 48 frames, rendered on first use into
# data/synthface_disfa_64 and cached. A CPU stand-in for
# configs/_base_/datasets/disfa_au.py (same 3-fold fold_protocol, inherited).
_base_ = ['./disfa_au.py']

data_root = 'data/synthface_disfa_64'
auto_generate = dict(
    subjects=6, frames=48, episode=24, size=64, seed=0, extract_frames=True)

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]
test_pipeline = [
    dict(type='LoadFaceModalities', modalities=('rgb', )),
    dict(type='PackFERInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        allow_missing_subjects=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        allow_missing_subjects=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Inference on photos / videos (mmfer.apis.FERInferencer, docs/inference.md):
# SynthFace renders frame the whole face; MTCNN's box plus 0.27 of its side
# per side gives that framing (measured on 24 renders at 64-256 px: margin
# 0.27 +- 0.03, box centre within 0.03 box sides of the image centre).
inference_face = dict(
    _delete_=True,  # replaces the base's (another detector)
    detector=dict(type='MTCNNFaceDetector'), margin=0.27, size=64,
    rotate=False)
