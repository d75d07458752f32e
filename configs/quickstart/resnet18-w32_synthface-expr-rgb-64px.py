# Quickstart: 7-class expression recognition on the embedded SynthFace data
# (rendered on first use; ~3 min on 2 CPU cores):
#   python tools/train.py configs/quickstart/resnet18-w32_synthface-expr-rgb-64px.py
_base_ = [
    '../_base_/models/resnet18-w32_64px.py',
    '../_base_/datasets/synthface_expr_rgb64.py',
    '../_base_/schedules/adamw_cosine_12e.py',
    '../_base_/default_runtime.py',
]
