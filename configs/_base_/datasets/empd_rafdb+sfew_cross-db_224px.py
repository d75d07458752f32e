# EMPD multi-source (Sec. IV-B, Table III): train on RAF-DB train + SFEW 2.0
# train (one ConcatDataset; every sample's `domain` is its database,
# 'rafdb' or 'sfew', the domain label of PDEDClassifier(domain_source=
# 'dataset', domain_names=('rafdb', 'sfew'))), validate and test on RAF-DB
# test; targets in the paper's column order: FER2013+ (FER+ test), ExpW
# (all faces), AffectNet (val), JAFFE (all 213). All in RAF-DB's 7-class
# order (empd_fer-databases_224px.py).
#   python tools/misc/run_cross_dataset.py <configs ...> \
#       --work-dir-root work_dirs/empd_table3_rafdb+sfew
_base_ = ['./empd_fer-databases_224px.py']

train_dataloader = dict(
    batch_size=16,  # per GPU; 4 GPUs (Sec. IV-A) -> 64
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[{{_base_.rafdb_train}}, {{_base_.sfew_train}}]))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset={{_base_.rafdb_test}})
test_dataloader = val_dataloader

cross_dataset = dict(
    targets=dict(
        fer2013plus={{_base_.ferplus_test}},
        expw={{_base_.expw_all}},
        affectnet={{_base_.affectnet_val}},
        jaffe={{_base_.jaffe_all}}),
    order=['fer2013plus', 'expw', 'affectnet', 'jaffe'],
    metric='expr/WAR',
    checkpoint='last',
    source='RAF-DB+SFEW')
