# The SynthFace toy model without modality fusion (Table 3 "None"): the
# same budget as mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py.
#   python tools/train.py configs/mma_dfer/mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px_no-fusion.py
_base_ = ['./mma-dfer_vit-tiny_scratch_40e_synthface-dfew-64px.py']

model = dict(fusion=None)
