# Table 3 "MULT": audio-to-vision and vision-to-audio cross-attention (2 heads, 128-d total), outputs added to the branches.
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t3_fusion-mult_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(
    fusion=dict(
        _delete_=True, type='MULTFusion', latent_dims=128, num_heads=2))
