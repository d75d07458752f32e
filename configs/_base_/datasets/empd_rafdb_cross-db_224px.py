# EMPD single source RAF-DB (Sec. IV-B, Table I upper block, Table II):
# train on RAF-DB basic train (12,271 aligned faces), validate and test on
# RAF-DB test (3,068; Table II = test_dataloader), and the cross-database
# targets of Table I in the paper's column order: SFEW 2.0 (val), FER2013+
# (FER+ test), ExpW (all faces), AffectNet (val), JAFFE (all 213). All in
# RAF-DB's 7-class order (empd_fer-databases_224px.py).
#   python tools/misc/run_cross_dataset.py <configs ...> \
#       --work-dir-root work_dirs/empd_table1_rafdb
_base_ = ['./empd_fer-databases_224px.py']

# per GPU; 4 GPUs (Sec. IV-A) -> 64 = the schedule's auto_scale_lr base.
# PDED's Gaussian-blurred copies double the images of a step.
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset={{_base_.rafdb_train}})
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset={{_base_.rafdb_test}})
test_dataloader = val_dataloader

cross_dataset = dict(
    targets=dict(
        sfew={{_base_.sfew_val}},
        fer2013plus={{_base_.ferplus_test}},
        expw={{_base_.expw_all}},
        affectnet={{_base_.affectnet_val}},
        jaffe={{_base_.jaffe_all}}),
    order=['sfew', 'fer2013plus', 'expw', 'affectnet', 'jaffe'],
    metric='expr/WAR',  # overall accuracy (%), what Tables I-V report
    checkpoint='last',  # no model selection on a target
    source='RAF-DB')
