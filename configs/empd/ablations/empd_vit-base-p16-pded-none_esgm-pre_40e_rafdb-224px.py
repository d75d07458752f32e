# EMPD Table IV row 2 (ESGM, no PDED) = Table V "Without decoupling
# (baseline)", source RAF-DB: the ESGM-pre-trained ViT-B/16 fine-tuned
# without decoupler or domain loss (the blurred copies x_a still train the
# expression head, so every Table V row sees the same images). Everything
# else as ../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py.
_base_ = ['../empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py']
model = dict(mode='none')
