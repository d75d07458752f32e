# Table 4 row 2 (Pr. +, Pr.Pr. -, MTT -, FB -): input prompts only.
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t4_prompts_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

no_progressive = dict(progressive_blocks=())
model = dict(
    image_encoder=no_progressive, audio_encoder=no_progressive, fusion=None,
    temporal=None)
