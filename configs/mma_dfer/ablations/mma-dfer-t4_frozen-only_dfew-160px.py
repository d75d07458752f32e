# Table 4 row 1 (Pr. -, Pr.Pr. -, MTT -, FB -): frozen encoders, pos embeds, joint module + classifier (mean over frames).
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t4_frozen-only_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

no_prompts = dict(num_prompts=0, progressive_blocks=())
model = dict(
    image_encoder=no_prompts, audio_encoder=no_prompts, fusion=None,
    temporal=None)
