# Table 7 "Pr.Pr. Num. 6": progressive prompts after every 2nd block, 6
# sets of 3 tokens per encoder, each set updating its own 3 of the M = 3 x 6
# = 18 input prompts (the official code's layout: 3 tokens per set; the
# paper's model is the 2-set row, ../mma-dfer_vit-b-p16_mae-face-audiomae_
# 25e_dfew-160px.py, and the 0 row is mma-dfer-t4_mtt-fb_dfew-160px.py).
# The alternative reading keeps M = 6 and splits it by Eq. (1), 1 token
# per set: --cfg-options model.image_encoder.num_prompts=6
# model.image_encoder.prompts_per_set=None (and the same for audio_encoder)
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t7_prompts-progressive-6sets_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

prompts = dict(
    num_prompts=None,
    prompts_per_set=3,
    progressive_blocks=(0, 2, 4, 6, 8, 10))
model = dict(image_encoder=prompts, audio_encoder=prompts)
