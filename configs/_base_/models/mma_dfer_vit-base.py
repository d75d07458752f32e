# MMA-DFER (Chumachenko et al., CVPR-W 2024) as the official implementation
# (katerynaCh/MMA-DFER) builds it: two frozen ViT-B/16 encoders (MAE-Face
# for 224x224 frames, AudioMAE for 512x128 fbanks), 6 learnable prompts and
# 2x3 progressive prompts (after blocks 0 and 6) per encoder, a Fusion
# Bottleneck (d=128) after each of the 12 blocks, a Linear(768->512) joint
# module, a 1-layer Multimodal Temporal Transformer and a linear classifier.
#
# The pretrained encoder weights are produced by the converters:
#   python tools/model_converters/mae_face2mmfer.py \
#       mae_face_pretrain_vit_base.pth checkpoints/mae-face_vit-base-p16.pth
#   python tools/model_converters/audiomae2mmfer.py \
#       pretrained.pth checkpoints/audiomae_vit-base-p16_as2m.pth
# For a random-init run (e.g. a smoke test) override with
#   --cfg-options model.image_encoder.pretrained=None \
#                 model.audio_encoder.pretrained=None
image_pretrained = 'checkpoints/mae-face_vit-base-p16.pth'
audio_pretrained = 'checkpoints/audiomae_vit-base-p16_as2m.pth'

model = dict(
    type='MMADFER',
    data_preprocessor=dict(
        type='FERDataPreprocessor',
        # pixels scaled to [0, 1], no mean/std (as the official code)
        mean=dict(video=[0., 0., 0.]),
        std=dict(video=[255., 255., 255.])),
    image_encoder=dict(
        type='PromptedViT',
        arch='base',
        img_size=224,
        patch_size=16,
        in_channels=3,
        drop_path_rate=0.1,
        num_prompts=6,
        progressive_blocks=(0, 6),
        frozen=True,
        pretrained=image_pretrained,
        pretrained_hint='python tools/model_converters/mae_face2mmfer.py '
        f'mae_face_pretrain_vit_base.pth {image_pretrained}'),
    audio_encoder=dict(
        type='PromptedViT',
        arch='base',
        img_size=(512, 128),  # 512 frames x 128 mel bins -> 32x8 patches
        patch_size=16,
        in_channels=1,
        drop_path_rate=0.1,
        num_prompts=6,
        progressive_blocks=(0, 6),
        frozen=True,
        pretrained=audio_pretrained,
        pretrained_hint='python tools/model_converters/audiomae2mmfer.py '
        f'AUDIOMAE_AS2M_PRETRAINED.pth {audio_pretrained}'),
    fusion=dict(type='FusionBottleneck', latent_dims=128),
    joint_dims=512,
    temporal=dict(
        type='MultimodalTemporalTransformer',
        embed_dims=512,
        depth=1,
        num_heads=8,
        feedforward_channels=1024,
        num_frames=16,
        qkv_bias=False),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=7,
        in_channels=512,
        loss=dict(type='mmpretrain.CrossEntropyLoss'),
        init_cfg=None),  # PyTorch's default Linear init, as the official
    # on CPU, the clips of a batch run forward and backward in parallel
    # threads, one per intra-op thread (same loss and gradients; GPUs and
    # DDP run the batch as one)
    train_cfg=dict(cpu_chunks='auto'),
    test_cfg=dict(average_clips='prob'))
