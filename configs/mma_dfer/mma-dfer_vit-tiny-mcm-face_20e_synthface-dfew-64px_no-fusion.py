# The frozen-MCM-face toy without Fusion Bottlenecks (Table 3 "None").
_base_ = ['./mma-dfer_vit-tiny-mcm-face_20e_synthface-dfew-64px.py']

model = dict(fusion=None)
