# CM-CNN on BU-3DFE P2 (level-3 expressions of the same 60 subjects, the
# weaker of the "two highest intensity levels"; see BU3DFEDataset for the
# protocol readings). Everything else as P1.
_base_ = ['./cm-cnn_gld-cmfn_scratch_300e_bu3dfe-p1-148px.py']

protocol = 'cmcnn-p2'
train_dataloader = dict(dataset=dict(protocol=protocol))
val_dataloader = dict(dataset=dict(protocol=protocol))
test_dataloader = val_dataloader
