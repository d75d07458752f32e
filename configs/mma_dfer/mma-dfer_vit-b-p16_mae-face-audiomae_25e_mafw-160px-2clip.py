# Test-only variant (Table 1 rows marked *): predictions averaged over two
# uniformly sampled 16-frame clips per video (softmax mean).
#   python tools/test.py configs/mma_dfer/mma-dfer_vit-b-p16_mae-face-audiomae_25e_mafw-160px-2clip.py CKPT
_base_ = ['./mma-dfer_vit-b-p16_mae-face-audiomae_25e_mafw-160px.py']

test_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline_2clip}}))
