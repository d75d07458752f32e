# EMPD's multi-source setting (Table III: train on RAF-DB + SFEW) on
# SynthFace: two source renders, 'lab' and 'lab_dark' (its own subjects,
# seed 2), each a dataset with its own `domain` name; the domain label of a
# sample is the index of its data_sample.domain in model.domain_names
# (cross-entropy for > 2 sources, BCE for 2, Eq. 12), and no blur copies
# ("x_a: the domains other than the source domain in multi-source
# domains"). Tested on 'wild' (the dataset base's test_dataloader); the
# 'lab_dark' target render is a source here, so its table leaves it out.
_base_ = ['./empd_resnet18-pded_scratch_16e_synthface-lab-64px.py']
model = dict(
    domain_source='dataset',
    domain_names=['synthface-lab', 'synthface-lab_dark'],
    augment=None)
_lab_dark = dict(
    type='SynthFaceDataset',
    data_root='data/synthface_xd_lab_dark_source',
    split='train',
    domain='synthface-lab_dark',
    auto_generate=dict(
        subjects=12, samples=80, seed=2, size=64, domains=['lab_dark']),
    pipeline={{_base_.train_pipeline}})
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        # the renders differ only in their preset list
        ignore_keys=['domains'],
        datasets=[{{_base_.train_dataloader.dataset}}, _lab_dark]))
# 'lab_dark' is a source here: the table's targets are the other two
cross_dataset = dict(
    _delete_=True,
    targets=dict(
        wild={{_base_.synthface_targets.wild}},
        lowres={{_base_.synthface_targets.lowres}}),
    order=['wild', 'lowres'],
    metric='expr/WAR')
