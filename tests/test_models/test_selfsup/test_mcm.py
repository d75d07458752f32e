"""MCM pre-training model (Fig. 2, Sec. 3.1-3.5, Eq. 3)."""
import pytest
import torch
import torch.nn.functional as F

from mmfer.registry import MODELS

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def tiny_mcm(modalities=('rgb', 'depth', 'thermal'), mixing=True,
             norm_pix=True, **backbone):
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MCM',
            modalities=modalities,
            backbone=dict(type='MaskedViT', arch=TINY, img_size=32,
                          patch_size=8, **backbone),
            neck=dict(type='MultiModalMAEDecoders', num_patches=16,
                      patch_size=8, embed_dim=32, decoder_embed_dim=32,
                      decoder_num_heads=2,
                      decoder_depths=dict(rgb=2, depth=1, thermal=1)),
            head=dict(type='MultiModalReconstructionHead', patch_size=8,
                      norm_pix=norm_pix),
            channel_mixing=dict(type='BatchChannelMixing', patch_size=8)
            if mixing else None,
            init_cfg=[dict(type='Xavier', layer='Linear',
                           distribution='uniform'),
                      dict(type='Constant', layer='LayerNorm', val=1.0,
                           bias=0.0)]))
    model.init_weights()
    return model


def test_loss_per_modality_and_encoder_sees_visible_patches_only():
    model = tiny_mcm()
    losses = model(torch.rand(2, 5, 32, 32), mode='loss')
    assert sorted(losses) == ['loss_depth', 'loss_rgb', 'loss_thermal']
    assert all(v.ndim == 0 and v > 0 for v in losses.values())
    latent, mask, _, mask_losses = model(torch.rand(2, 5, 32, 32),
                                         mode='tensor')
    assert mask_losses == {}  # SpatialMask learns nothing
    assert latent.shape == (2, 1 + 8, 32)  # cls + 50% of 16 patches
    assert model.backbone.pos_embed.requires_grad is False  # fixed sin-cos


def _patches(img, p):
    """Independent patchify: F.unfold -> (B, L, p*p*C) channels last."""
    B, C = img.shape[:2]
    u = F.unfold(img, p, stride=p)  # (B, C*p*p, L)
    return u.view(B, C, p * p, -1).permute(0, 3, 2, 1).reshape(B, -1,
                                                                p * p * C)


@pytest.mark.parametrize('norm_pix', [True, False])
def test_loss_equals_hand_computed_eq3(norm_pix):
    model = tiny_mcm(norm_pix=norm_pix)
    x = torch.rand(2, 5, 32, 32)
    torch.manual_seed(1)
    losses = model.loss(x)
    torch.manual_seed(1)  # same channel mixing and spatial mask
    mixed, _ = model.channel_mixing.mix(x)
    latent, mask, ids, _ = model.backbone(mixed)
    preds = model.neck(latent, ids)
    total = 0
    for name, chans in (('rgb', slice(0, 3)), ('depth', slice(3, 4)),
                        ('thermal', slice(4, 5))):
        t = _patches(x[:, chans], 8)
        if norm_pix:
            t = (t - t.mean(-1, keepdim=True)) / (
                t.var(-1, keepdim=True) + 1e-6)**.5
        err = ((preds[name] - t)**2).mean(-1)  # MSE per patch
        ref = (err * mask).sum() / mask.sum()  # over masked patches only
        torch.testing.assert_close(losses[f'loss_{name}'], ref)
        total = total + ref
    # Eq. 3: mmengine sums the loss_* terms
    parsed, _ = model.parse_losses(losses)
    torch.testing.assert_close(parsed, total)


def test_only_configured_decoders_are_built():
    rgb = tiny_mcm(modalities=('rgb', ), mixing=False)
    assert list(rgb.neck.decoders) == ['rgb']
    assert sorted(rgb.loss(torch.rand(2, 3, 32, 32))) == ['loss_rgb']
    rgbd = tiny_mcm(modalities=('rgb', 'depth'))
    assert list(rgbd.neck.decoders) == ['rgb', 'depth']
    assert sorted(rgbd.loss(torch.rand(2, 4, 32, 32))) == [
        'loss_depth', 'loss_rgb']
    full = tiny_mcm()
    assert [len(d.decoder_blocks) for d in full.neck.decoders.values()] == [
        2, 1, 1]
    with pytest.raises(ValueError, match=r'expects \(B, 4, H, W\)'):
        rgbd.loss(torch.rand(2, 5, 32, 32))
    with pytest.raises(ValueError, match='patch sizes differ'):
        MODELS.build(dict(
            type='MCM',
            backbone=dict(type='MaskedViT', arch=TINY, img_size=32,
                          patch_size=8),
            neck=dict(type='MultiModalMAEDecoders', num_patches=16,
                      patch_size=8, embed_dim=32),
            head=dict(type='MultiModalReconstructionHead', patch_size=8),
            channel_mixing=dict(type='BatchChannelMixing', patch_size=16)))


def _smooth_batch():
    """Smooth, correlated RGB / depth / thermal images (learnable)."""
    g = torch.Generator().manual_seed(0)
    base = F.interpolate(torch.rand(4, 5, 4, 4, generator=g), size=32,
                         mode='bilinear', align_corners=False)
    return (base - 0.5) * 2


def test_training_lowers_reconstruction_loss_of_all_modalities():
    model = tiny_mcm()
    x = _smooth_batch()
    opt = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=3e-3)

    def evaluate():
        torch.manual_seed(123)  # fixed masks for a fair comparison
        with torch.no_grad():
            return {k: v.item() for k, v in model.loss(x).items()}

    before = evaluate()
    for step in range(25):
        torch.manual_seed(step)
        loss, _ = model.parse_losses(model.loss(x))
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = evaluate()
    for key in before:
        assert after[key] < 0.8 * before[key], (key, before[key], after[key])


def test_reconstruct_outputs_images():
    model = tiny_mcm()
    rec = model.reconstruct(torch.rand(2, 5, 32, 32))
    assert rec['mixed'].shape == (2, 3, 32, 32)
    assert rec['recon_depth'].shape == rec['target_depth'].shape == (2, 1, 32,
                                                                     32)
    assert rec['recon_rgb'].shape == (2, 3, 32, 32)
    # mask image: 8 of 16 8x8 patches masked
    assert rec['mask_img'].sum() == 2 * 8 * 64
    samples = model(torch.rand(2, 5, 32, 32), mode='predict')
    assert samples[0].recon_thermal.shape == (1, 32, 32)


def test_encoder_checkpoint_loads_into_finetuning_vit(tmp_path):
    """Pre-trained encoder -> mmpretrain.VisionTransformer via prefix."""
    model = tiny_mcm()
    path = str(tmp_path / 'epoch_1.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    clf = MODELS.build(
        dict(
            type='FERClassifier',
            backbone=dict(
                type='mmpretrain.VisionTransformer', arch=TINY, img_size=32,
                patch_size=8, out_type='featmap', final_norm=False,
                init_cfg=dict(type='Pretrained', checkpoint=path,
                              prefix='backbone.')),
            head=dict(type='AUClsHead', num_classes=12, in_channels=32,
                      loss=dict(type='WeightedBCELoss'))))
    clf.init_weights()
    for name in ('patch_embed.projection.weight', 'layers.1.attn.qkv.weight',
                 'pos_embed', 'cls_token'):
        torch.testing.assert_close(
            clf.backbone.state_dict()[name],
            model.backbone.state_dict()[name])


def test_missing_pretrained_checkpoint_error(tmp_path):
    ckpt = 'work_dirs/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain/epoch_100.pth'
    clf = MODELS.build(
        dict(
            type='FERClassifier',
            backbone=dict(
                type='mmpretrain.VisionTransformer', arch=TINY, img_size=32,
                patch_size=8, out_type='featmap',
                init_cfg=dict(type='Pretrained', checkpoint=ckpt,
                              prefix='backbone.')),
            head=dict(type='AUClsHead', num_classes=12, in_channels=32,
                      loss=dict(type='WeightedBCELoss'))))
    with pytest.raises(FileNotFoundError) as err:
        clf.init_weights()
    msg = str(err.value)
    assert ckpt in msg and 'model.backbone.init_cfg=None' in msg
    assert 'mae2mmfer.py' in msg
    assert 'configs/mcm/mcm_vit-base-p16_bp4dplus-rgbdt_pretrain.py' in msg
    with pytest.raises(FileNotFoundError, match='mae2mmfer'):
        tiny_mcm(init_cfg=dict(type='Pretrained',
                               checkpoint=str(tmp_path / 'nope.pth')))


def test_old_mcm_names_build_the_generic_modules():
    from mmfer.models.heads import MultiModalReconstructionHead
    from mmfer.models.necks import MultiModalMAEDecoders
    from mmfer.models.selfsup import MaskedViT
    for old, cls, kw in (
            ('MCMViT', MaskedViT, dict(arch=TINY, img_size=32,
                                       patch_size=8)),
            ('MCMDecoders', MultiModalMAEDecoders,
             dict(num_patches=16, patch_size=8, embed_dim=32,
                  decoder_embed_dim=32, decoder_num_heads=2)),
            ('MCMReconstructionHead', MultiModalReconstructionHead,
             dict(patch_size=8))):
        assert type(MODELS.build(dict(type=old, **kw))) is cls


def test_head_defaults_to_the_papers_pixel_target():
    """Sec. 3.5: MSE against the original image (no per-patch norm)."""
    head = MODELS.build(dict(type='MultiModalReconstructionHead',
                             patch_size=8))
    assert head.norm_pix is False
    img = torch.rand(1, 1, 16, 16) * 3 + 2
    losses = head.loss(dict(depth=_patches(img, 8)), dict(depth=img),
                       torch.ones(1, 4))
    torch.testing.assert_close(losses['loss_depth'], torch.tensor(0.))
