# Quickstart: expression recognition on embedded SynthFace data (CPU, ~3 min)
#   python tools/train.py configs/quickstart/vit-tiny-p8_synthface-expr-rgb-64px.py
_base_ = [
    '../_base_/models/vit-tiny-p8_64px.py',
    '../_base_/datasets/synthface_expr_rgb64.py',
    '../_base_/schedules/adamw_cosine_30e.py',
    '../_base_/default_runtime.py',
]
