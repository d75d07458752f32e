# EMPD Table V on SynthFace: without decoupling, the baseline (no decoupler,
# no domain loss; everything else as
# ../empd_resnet18-pded_scratch_16e_synthface-lab-64px.py; every variant
# trains on the same batches, blurred copies included).
_base_ = ['../empd_resnet18-pded_scratch_16e_synthface-lab-64px.py']
model = dict(mode='none')
