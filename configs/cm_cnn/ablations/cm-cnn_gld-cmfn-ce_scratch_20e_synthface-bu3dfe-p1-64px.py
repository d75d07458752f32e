# CM-CNN ablation (Ni et al., Table I): G + L + D + CMFN trained with
# categorical cross-entropy instead of the soft focal loss with gamma = 2.
_base_ = ['../cm-cnn_gld-cmfn_scratch_20e_synthface-bu3dfe-p1-64px.py']

model = dict(head=dict(loss=dict(_delete_=True, type='mmpretrain.CrossEntropyLoss')))
