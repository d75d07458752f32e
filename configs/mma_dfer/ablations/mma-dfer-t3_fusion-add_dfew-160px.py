# Table 3 "ADD": addition of the other stream's global average in the original 768-d space (no compression/expansion), gated.
# MMA-DFER ablation, DFEW fold 1 at 160x160 as in the paper.
#   python tools/train.py configs/mma_dfer/ablations/mma-dfer-t3_fusion-add_dfew-160px.py
_base_ = ['../mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

model = dict(fusion=dict(_delete_=True, type='AddFusion'))
