# CM-CNN with the FENs' 'small' preset (channels 16-32-48-64 instead of
# 32-64-96-128; 0.48 instead of 1.84 GMAC per 148 x 148 face), the preset
# that reaches the paper's ~23 frames/s on 2 CPU cores together with Haar
# detection, rotation and LBP (see the README's timing table):
#   python tools/analysis_tools/benchmark_cm_cnn.py \
#       --config configs/cm_cnn/cm-cnn_gld-cmfn-small_scratch_300e_bu3dfe-p1-148px.py --haar-video
_base_ = ['./cm-cnn_gld-cmfn_scratch_300e_bu3dfe-p1-148px.py']

fen_channels = 64
model = dict(
    backbones=dict(
        gray=dict(arch='small'), lbp=dict(arch='small'),
        depth=dict(arch='small')),
    neck=dict(in_channels=fen_channels),
    head=dict(in_channels=3 * 2 * 2 * fen_channels))
