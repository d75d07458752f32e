# SynthFace rendered in the DFEW layout: a small audio-visual clip dataset
# for CPU runs (demo, smoke tests, the fusion-vs-no-fusion comparison).
# Rendered on first use (~20 s) into data/synthface_dfew_64px and cached.
# 64 px frames, 8 frames per clip; the fbank keeps MMA-DFER's full
# 512 x 128 shape (AudioMAE's input grid). Fold 1 of the 5 SynthFace folds
# (subject-exclusive set_<k> files; fold_protocol inherited from dfew.py).
_base_ = ['./dfew.py']

data_root = 'data/synthface_dfew_64px'
img_size = 64
# Inference on photos / videos (mmfer.apis.FERInferencer, docs/inference.md):
# SynthFace renders frame the whole face; MTCNN's box plus 0.27 of its side
# per side gives that framing (measured on 24 renders at 64-256 px: margin
# 0.27 +- 0.03, box centre within 0.03 box sides of the image centre).
inference_face = dict(
    _delete_=True,  # replaces the base's (another detector)
    detector=dict(type='MTCNNFaceDetector'), margin=0.27, size=img_size,
    rotate=False)
clip_len = 8
auto_generate = dict(subjects=10, samples=14, frames=16, size=64, seed=0)

# the DFEW pipelines with the resize steps at img_size and clip_len frames
train_pipeline, test_pipeline, test_pipeline_2clip = (
    [dict(t, scale=(img_size, img_size)) if t['type'] == 'mmaction.Resize'
     else dict(t, clip_len=clip_len) if t['type'] == 'SampleSegmentFrames'
     else t for t in pipeline]
    for pipeline in (_base_.train_pipeline, _base_.test_pipeline,
                     _base_.test_pipeline_2clip))

train_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2,
    dataset=dict(
        data_root=data_root,
        auto_generate=auto_generate,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
