# EMPD Table V, source RAF-DB, decoupling 'single': one decoupler after the
# last stage (Table V "Single decoupling [5]"); the domain loss on its domain
# features. Only model.mode differs from ../empd_vit-base-p16-pded_esgm-
# pre_40e_rafdb-224px.py (ESGM-pre-trained ViT-B/16, progressive PDED: Table
# V "Ours").
_base_ = ['../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py']
model = dict(mode='single')
