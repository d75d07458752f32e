# BP4D+ RGB + Depth + Thermal frames for MCM pre-training (Sec. 4.1): 300,000
# frames sampled evenly over the 10 tasks, labels unused, 224 x 224 crops.
# data_root is the preprocessed root (docs/datasets/au_datasets.md):
#   2D+3D/F001/T1/0001.jpg, Depth/F001/T1/0001.png, Thermal/F001/T1/0001.png
# The pipeline stacks the modalities into one (H, W, 5) image (channels R, G,
# B, D, T); the model's ChannelMixing / decoders consume it.
dataset_type = 'BP4DPlusDataset'
data_root = 'data/BP4D+_224'
modalities = ('rgb', 'depth', 'thermal')
img_size = 224

train_pipeline = [
    dict(type='LoadFaceModalities', modalities=modalities),
    # MAE's augmentation (crop scale 0.2-1, flip); geometric only, so the
    # modalities stay aligned.
    dict(
        type='mmpretrain.RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.2, 1.0),
        backend='cv2',
        interpolation='bicubic'),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackFERInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        modalities=modalities,
        max_frames=300000,
        pipeline=train_pipeline))
