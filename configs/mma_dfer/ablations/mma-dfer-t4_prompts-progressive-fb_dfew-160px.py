# Table 4 row 5 (Pr. +, Pr.Pr. +, MTT -, FB +): no temporal transformer, mean over frames.
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t4_prompts-progressive-fb_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(temporal=None)
