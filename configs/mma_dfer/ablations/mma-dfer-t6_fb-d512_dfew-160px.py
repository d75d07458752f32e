# Table 6: Fusion Bottleneck latent dimension d=512 (default 128).
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t6_fb-d512_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(fusion=dict(latent_dims=512))
