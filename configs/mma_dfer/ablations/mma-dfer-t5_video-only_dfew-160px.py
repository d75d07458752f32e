# Table 5 "Vision only": the frozen image encoder alone (no prompts, frozen
# position embedding), the joint Linear and the classifier trained, no
# fusion, mean over frames (no temporal module).
# The pipelines still load both streams; the model reads only the video.
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t5_video-only_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

frozen_encoder = dict(
    num_prompts=0, progressive_blocks=(), trainable_pos_embed=False)
model = dict(
    audio_encoder=None,
    image_encoder=frozen_encoder,
    fusion=None,
    temporal=None)
