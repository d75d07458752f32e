# EMPD Table I, source AffectNet: EMPD (ESGM + PDED), the headline row. As
# ./empd_vit-base-p16-pded_esgm-pre_40e_rafdb-224px.py (ESGM-pre-trained
# ViT-B/16, 4 stages x 3 blocks, progressive PDED, 40 epochs) on AffectNet
# train (7 classes, faces cropped from the annotated boxes); targets SFEW
# 2.0, RAF-DB, FER2013+, ExpW, JAFFE.
#   python tools/misc/run_cross_dataset.py configs/empd/empd_vit-base-p16-pded_esgm-pre_40e_affectnet-224px.py \
#       --work-dir-root work_dirs/empd_table1_affectnet
_base_ = [
    '../_base_/models/empd_pded_vit-base-p16.py',
    '../_base_/datasets/empd_affectnet_cross-db_224px.py',
    '../_base_/schedules/empd_finetune_40e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2))
