# CM-CNN (Ni et al., "Facial Expression Recognition Through Cross-Modality
# Attention Fusion", IEEE TCDS 2023): gray + LBP + depth faces (148x148,
# Sec. IV-B), one FEN per modality (Fig. 3: TextureFEN for gray and LBP,
# DepthFEN for depth; 'base' preset -> (128, 9, 9) maps), the cross-modality
# attention fusion network (Fig. 4-5, Eq. 3), FC + PReLU + sigmoid (Eq. 4)
# trained with the soft-label focal loss (Eq. 5; gamma 2, alpha 1, sigma 0.1).
# Inputs are scaled to [0, 1] (mean 0, std 255 per channel, Sec. IV-B); the
# dataset must stack modalities=('gray', 'lbp', 'depth') (3 channels).
# The paper pre-trains the FENs on face recognition (CASIA-WebFace for gray
# and LBP, [77] for depth); no such checkpoint is public. To start from one,
# convert a FEN trained on identities and point the FEN's init_cfg at it:
#   python tools/model_converters/face_recognition2fen.py SRC.pth \
#       checkpoints/fen_gray.pth --modality gray
#   --cfg-options model.backbones.gray.init_cfg.type=Pretrained \
#       model.backbones.gray.init_cfg.checkpoint=checkpoints/fen_gray.pth
modalities = ('gray', 'lbp', 'depth')
fen_channels = 128  # last width of the FENs' 'base' preset
model = dict(
    type='MultiModalFERClassifier',
    modalities=modalities,
    data_preprocessor=dict(
        type='FERDataPreprocessor', mean=[0.0] * 3, std=[255.0] * 3),
    backbones=dict(
        gray=dict(type='TextureFEN', in_channels=1, arch='base'),
        lbp=dict(type='TextureFEN', in_channels=1, arch='base'),
        depth=dict(type='DepthFEN', in_channels=1, arch='base')),
    neck=dict(
        type='CMFN',
        in_channels=fen_channels,
        num_modalities=3,
        attention='sigmoid',  # Eq. 3 as printed
        # SAGAN's learnable scale of the attention branches, starting at 0
        # (the plain sum of Fig. 5 stalls or diverges under the paper's SGD:
        # see CMFN's notes); gamma_init=None is the sum as printed
        gamma_init=0.0,
        pool=('max', 'avg')),
    head=dict(
        type='CMCNNClsHead',
        in_channels=3 * 2 * 2 * fen_channels,  # M * pools * (M - 1) * C
        num_classes=6,
        activation='sigmoid',
        loss=dict(
            type='SoftFocalLoss',
            gamma=2.0,
            alpha=1.0,
            sigma=0.1,
            label_positions='normalized')))
