# "ResNet-18 + PDED", source RAF-DB: the ResNet-18 reading of EMPD's
# fine-tuning network (Fig. 6-7 decouple "the four blocks of ResNet"): the
# ImageNet ResNet-18 of empd_resnet18-pded-none_in1k-pre_40e_rafdb-224px.py
# with a 3x3-conv decoupler after each of its 4 residual stages
# (progressive PDED, Eq. 9-10) and the domain loss (Eq. 12-13). No ESGM: the
# ViT encoder of the ESGM pre-training cannot initialise a ResNet
# (configs/empd/README.md, "Which network is fine-tuned").
_base_ = ['./empd_resnet18-pded-none_in1k-pre_40e_rafdb-224px.py']
model = dict(mode='progressive')
