# Table 3 "MULT-concat": one transformer over the concatenated audio and image tokens (128-d), its global average added back to each branch.
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t3_fusion-mult-concat_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(
    fusion=dict(
        _delete_=True, type='MULTConcatFusion', latent_dims=128,
        num_heads=2))
