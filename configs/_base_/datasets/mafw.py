# MAFW (11 classes, MMA-DFER order), the same audio-visual clip pipelines
# as dfew.py: 16 face frames from clips_faces/ (extract_face_frames.py)
# + the 512x128 fbank of clips_wav/<id>.wav. 21 MAFW clips have no audio:
# they get a zero fbank and has_audio=False in the data sample. One fold
# at a time (`dataset.fold`, or tools/misc/run_folds.py for the 5 official
# folds, `fold_protocol` inherited from dfew.py); the test split of the fold
# is also the validation split.
_base_ = ['./dfew.py']

dataset_type = 'MAFWDataset'
data_root = 'data/mafw'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
