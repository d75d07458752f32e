# MMA-DFER on DFEW, 112x112 frames (Table 1 "MMA (ours)_112"): the
# 224-px config with the frame size changed in the pipelines and the image
# encoder (the 14x14 MAE-Face position embedding is resized bicubically to
# 7x7 when the pretrained weights load).
_base_ = ['./mma-dfer_vit-b-p16_mae-face-audiomae_25e_dfew-224px.py']

img_size = 112
model = dict(image_encoder=dict(img_size=img_size))

# the base pipelines with every resize step set to img_size
train_pipeline, test_pipeline, test_pipeline_2clip = (
    [dict(t, scale=(img_size, img_size))
     if t['type'] == 'mmaction.Resize' else t for t in pipeline]
    for pipeline in (_base_.train_pipeline, _base_.test_pipeline,
                     _base_.test_pipeline_2clip))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
