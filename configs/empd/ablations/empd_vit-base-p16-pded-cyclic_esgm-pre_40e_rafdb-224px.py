# EMPD Table V, source RAF-DB, decoupling 'cyclic': one decoupler applied 4
# times to the last-stage feature, F <- F - D(F) (Table V "Cyclic decoupling
# [50]"); the domain loss on its domain features. Only model.mode differs
# from ../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py (ESGM-pre-
# trained ViT-B/16, progressive PDED: Table V "Ours").
_base_ = ['../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py']
model = dict(mode='cyclic')
