# EMPD Table III, multi-source RAF-DB + SFEW 2.0: "ResNet-18 + PDED":
# ./empd_resnet18-pded-none_in1k-pre_40e_rafdb+sfew-224px.py with a 3x3-conv
# decoupler after each of the 4 residual stages (progressive PDED,
# Eq. 9-10) and the rafdb-vs-sfew domain loss (Eq. 12-13).
_base_ = ['./empd_resnet18-pded-none_in1k-pre_40e_rafdb+sfew-224px.py']
model = dict(mode='progressive')
