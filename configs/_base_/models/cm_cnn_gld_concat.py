# CM-CNN Table II "G + L + D" baseline: the same FENs, head and loss as
# cm_cnn_gld.py, the three maps fused by concatenation (+ max and average
# pooling) instead of the CMFN.
_base_ = ['./cm_cnn_gld.py']

model = dict(
    neck=dict(_delete_=True, type='ConcatPoolFusion', pool=('max', 'avg')),
    head=dict(in_channels=2 * 3 * 128))  # pools * M * C
