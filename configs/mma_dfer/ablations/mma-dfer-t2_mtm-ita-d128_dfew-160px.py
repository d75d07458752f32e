# Table 2 "MTM + ITA-128": the full model plus a 128-d intermediate temporal
# adaptor after every Fusion Bottleneck. (Row "MTM (ours)" is
# ../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py.)
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t2_mtm-ita-d128_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(
    temporal_adaptor=dict(
        type='IntermediateTemporalAdaptor', latent_dims=128, num_heads=2,
        num_frames=16))
