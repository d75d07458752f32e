# EMPD Table III, multi-source RAF-DB + SFEW 2.0: EMPD (ESGM + PDED). As
# ./empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py (ESGM-pre-trained
# ViT-B/16, 4 stages x 3 blocks, progressive PDED, 40 epochs) on RAF-DB
# train + SFEW 2.0 train; targets FER2013+, ExpW, AffectNet, JAFFE.
#   python tools/misc/run_cross_dataset.py configs/empd/empd_vit-base-p16-pded_esgm-pre_40e_rafdb+sfew-224px.py \
#       --work-dir-root work_dirs/empd_table3_rafdb+sfew
_base_ = [
    '../_base_/models/empd_pded_vit-base-p16.py',
    '../_base_/datasets/empd_rafdb+sfew_cross-db_224px.py',
    '../_base_/schedules/empd_finetune_40e.py',
    '../_base_/default_runtime.py',
]
# multi-source: the domain label is the source database ("x_a: ... the
# domains other than the source domain in multi-source domains"), binary
# (BCE, Eq. 12); no blurred copies (the same for every Table III row)
model = dict(
    domain_source='dataset', domain_names=('rafdb', 'sfew'), augment=None)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
