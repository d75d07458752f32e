# CPU-sized CM-CNN on SynthFace's BU-3DFE layout (30 subjects, level 4, 64 x
# 64 faces, the FENs' 'tiny' preset, 20 epochs with the paper's step decay
# scaled to it: lr x0.5 every 7 epochs). The ten folds, after the depth
# images (see configs/_base_/datasets/synthface_bu3dfe_cmcnn_64px.py):
#   python tools/misc/run_folds.py configs/cm_cnn/cm-cnn_gld-cmfn_scratch_20e_synthface-bu3dfe-p1-64px.py --confusion-matrix
_base_ = [
    '../_base_/models/cm_cnn_gld.py',
    '../_base_/datasets/synthface_bu3dfe_cmcnn_64px.py',
    '../_base_/schedules/cm_cnn_sgd_300e.py',
    '../_base_/default_runtime.py',
]
fen_channels = 16  # the 'tiny' preset's last width
model = dict(
    backbones=dict(
        gray=dict(arch='tiny'), lbp=dict(arch='tiny'),
        depth=dict(arch='tiny')),
    neck=dict(in_channels=fen_channels),
    head=dict(in_channels=3 * 2 * 2 * fen_channels))
param_scheduler = [
    dict(type='StepLR', step_size=7, gamma=0.5, by_epoch=True, begin=0,
         end=20),
]
train_cfg = dict(max_epochs=20, val_interval=20)
default_hooks = dict(logger=dict(interval=5))
