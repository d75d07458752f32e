# The random-masking MAE counterpart of
# empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py (EMPD Table IV's "MAE"
# rows on SynthFace): the same encoder, decoder, data, crops, schedule and
# mask ratio (0.2), with MAE's uniform random masking (SpatialMask) in place
# of the learned expression-aware ESGM, so only *which* patches are masked
# differs. The parsing maps are still loaded (SpatialMask ignores them).
#   python tools/train.py configs/empd/empd_vit-tiny-p8_mae_synthface-64px_pretrain.py
_base_ = ['./empd_vit-tiny-p8_esgm_synthface-64px_pretrain.py']

model = dict(
    backbone=dict(
        mask_generator=dict(_delete_=True, type='SpatialMask',
                            mask_ratio=0.2)))
# ESGM's mask grids and L_mask do not exist here
custom_hooks = [dict(type='RandomStateHook')]
