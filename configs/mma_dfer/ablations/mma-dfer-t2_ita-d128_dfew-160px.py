# Table 2 "ITA, d=128": an intermediate temporal adaptor (temporal
# self-attention over the frames' cls tokens, 128-d, 2 head(s)) after every
# Fusion Bottleneck, no Multimodal Temporal Transformer (mean over frames).
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t2_ita-d128_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(
    temporal=None,
    temporal_adaptor=dict(
        type='IntermediateTemporalAdaptor', latent_dims=128, num_heads=2,
        num_frames=16))
