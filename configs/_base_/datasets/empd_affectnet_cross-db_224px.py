# EMPD single source AffectNet (Sec. IV-B, Table I lower block): train on
# AffectNet's manually annotated training set (7 classes: contempt, None,
# Uncertain and Non-Face dropped and counted), validate on its validation
# set, each face cropped from its annotated box; targets in the paper's
# column order: SFEW 2.0 (val), RAF-DB (test), FER2013+ (FER+ test), ExpW
# (all faces), JAFFE (all 213). All in RAF-DB's 7-class order
# (empd_fer-databases_224px.py).
#   python tools/misc/run_cross_dataset.py <configs ...> \
#       --work-dir-root work_dirs/empd_table1_affectnet
_base_ = ['./empd_fer-databases_224px.py']

train_dataloader = dict(
    batch_size=16,  # per GPU; 4 GPUs (Sec. IV-A) -> 64
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset={{_base_.affectnet_train}})
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset={{_base_.affectnet_val}})
test_dataloader = val_dataloader

cross_dataset = dict(
    targets=dict(
        sfew={{_base_.sfew_val}},
        rafdb={{_base_.rafdb_test}},
        fer2013plus={{_base_.ferplus_test}},
        expw={{_base_.expw_all}},
        jaffe={{_base_.jaffe_all}}),
    order=['sfew', 'rafdb', 'fer2013plus', 'expw', 'jaffe'],
    metric='expr/WAR',
    checkpoint='last',
    source='AffectNet')
