# CM-CNN ablation (Ni et al., Table II): G alone: its FEN, max + average pooling and the Eq. 4 head.
# Same data, schedule, head and soft focal loss as the full model
# (G + L + D + CMFN); only the modalities and the fusion change.
_base_ = ['../cm-cnn_gld-cmfn_scratch_20e_synthface-bu3dfe-p1-64px.py']

modalities = ('gray',)
model_inputs = modalities
texture = 'lbp'
train_pipeline, test_pipeline = (
    [dict(t, modalities=modalities) if t['type'] == 'SelectModalities' else
     dict(t, kind=texture) if t['type'] == 'ComputeTexture' else t
     for t in pipeline]
    for pipeline in (_base_.train_pipeline, _base_.test_pipeline))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

model = dict(
    modalities=modalities,
    data_preprocessor=dict(mean=[0.0] * 1, std=[255.0] * 1),
    backbones=dict(
        _delete_=True,
        gray=dict(type='TextureFEN', in_channels=1, arch='tiny')),
    neck=dict(_delete_=True, type='ConcatPoolFusion', pool=('max', 'avg')),
    # pools * C
    head=dict(in_channels=2 * 16))
