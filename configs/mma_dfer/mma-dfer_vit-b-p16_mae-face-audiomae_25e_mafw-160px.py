# MMA-DFER on MAFW (11 classes), 160x160 face frames (Table 1
# "MMA (ours)_160"); clips without audio get a zero fbank (as the
# official code). One fold (dataset `fold`; all five:
# tools/misc/run_folds.py).
_base_ = ['./mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-160px.py']

dataset_type = 'MAFWDataset'
data_root = 'data/mafw'
model = dict(head=dict(num_classes=11))
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
