# CPU-sized EMPD ViT fine-tuning network: empd_pded_vit-base-p16.py with a
# 12-block, 96-wide ViT (4 stages of 3 blocks) on 64 x 64 faces, 8 x 8
# patches, starting from the small ESGM pre-training on SynthFace (its config
# name below is where the pre-training writes; from scratch:
#   --cfg-options model.backbone.init_cfg=None).
_base_ = ['./empd_pded_vit-base-p16.py']
pretrained = ('work_dirs/empd_vit-tiny-p8_esgm_synthface-64px_pretrain/'
              'epoch_40.pth')
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=96,
            num_layers=12,
            num_heads=3,
            feedforward_channels=384),
        img_size=64,
        patch_size=8,
        drop_path_rate=0.0,
        init_cfg=dict(checkpoint=pretrained)),
    head=dict(in_channels=96),
    # 64 px: a 7 px kernel, sigma 0.5-1.5 px
    augment=dict(kernel_size=7, sigma=(0.5, 1.5)))
