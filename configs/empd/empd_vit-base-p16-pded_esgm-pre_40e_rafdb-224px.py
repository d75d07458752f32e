# EMPD (ESGM + PDED), source RAF-DB: the headline row of Table I (RAF-DB
# block), Table II ("Ours", RAF-DB test), Table IV (ESGM + PDED) and Table V
# (progressive). The ViT-B/16 encoder of the two-stage ESGM pre-training
# (configs/empd/empd_vit-base-p16_esgm_350e_celeba-ffhq-casia_pretrain.py,
# epoch_350.pth; a missing file is an error naming it and its producer),
# run as 4 stages of 3 blocks with a decoupler after every stage
# (progressive PDED, Eq. 9-10), L_ft = L_exp + L_dom (Eq. 13); single
# source: Gaussian-blurred copies of every batch are the second domain x_a.
# AdamW lr 1e-4, wd 0.05, cosine, 40 epochs (the epochs are mmfer's), 224 px.
#   python tools/train.py configs/empd/empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py
#   python tools/test.py configs/empd/empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py \
#       work_dirs/empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px/epoch_40.pth  # Table II
# Table I row (train once, test on the five targets):
#   python tools/misc/run_cross_dataset.py configs/empd/empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py \
#       --work-dir-root work_dirs/empd_table1_rafdb
_base_ = [
    '../_base_/models/empd_pded_vit-base-p16.py',
    '../_base_/datasets/empd_rafdb_cross-db_224px.py',
    '../_base_/schedules/empd_finetune_40e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
