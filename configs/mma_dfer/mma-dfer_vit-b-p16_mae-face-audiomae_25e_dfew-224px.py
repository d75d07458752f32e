# MMA-DFER on DFEW (7 classes), 224x224 frames, one fold (dataset `fold`;
# all five: tools/misc/run_folds.py). Table 1 "MMA (ours)_224".
#   python tools/train.py configs/mma_dfer/mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-224px.py
_base_ = [
    '../_base_/models/mma_dfer_vit-base.py',
    '../_base_/datasets/dfew.py',
    '../_base_/schedules/mma_dfer_25e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_classes=7))
randomness = dict(seed=1)  # as the official main.py
