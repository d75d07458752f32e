# CM-CNN ablation (Ni et al., Table I): G + L + D + CMFN trained with
# focal loss with hard labels (gamma = 1.5) instead of the soft focal loss with gamma = 2.
_base_ = ['../cm-cnn_gld-cmfn_scratch_300e_bu3dfe-p1-148px.py']

model = dict(head=dict(loss=dict(_delete_=True, type='FocalLoss', gamma=1.5, alpha=1.0)))
