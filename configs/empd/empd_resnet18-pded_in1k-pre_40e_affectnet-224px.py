# EMPD Table I, source AffectNet: "ResNet-18 + PDED":
# ./empd_resnet18-pded-none_in1k-pre_40e_affectnet-224px.py with a 3x3-conv
# decoupler after each of the 4 residual stages (progressive PDED,
# Eq. 9-10) and the domain loss (Eq. 12-13).
_base_ = ['./empd_resnet18-pded-none_in1k-pre_40e_affectnet-224px.py']
model = dict(mode='progressive')
