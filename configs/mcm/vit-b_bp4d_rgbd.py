# Short name of mcm_vit-base-p16_mcm-rgbd-pre_5e_bp4d-rgbd.py (MCM RGB+D, Table 3).
_base_ = ['./mcm_vit-base-p16_mcm-rgbd-pre_5e_bp4d-rgbd.py']
