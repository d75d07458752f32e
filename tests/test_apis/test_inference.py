import os.path as osp

import cv2
import torch

from mmfer.apis import inference_model, init_model
from mmfer.datasets.synthface import SynthFaceRenderer, sample_subject
from mmfer.structures import FERDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'quickstart',
                  'resnet18-w32_synthface-expr-rgb-64px.py')


def test_init_and_inference_from_a_checkpoint(tmp_path):
    img = SynthFaceRenderer(size=64).render(
        sample_subject(0, 0), {'AU12': 4.0, 'AU6': 3.0}, seed=0)['rgb']
    path = str(tmp_path / 'face.png')
    cv2.imwrite(path, cv2.cvtColor(img, cv2.COLOR_RGB2BGR))

    model = init_model(CONFIG, device='cpu')
    torch.manual_seed(0)
    for p in model.head.parameters():  # a distinguishable head
        torch.nn.init.normal_(p)
    ckpt = str(tmp_path / 'model.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': ['a'] * 7}}}, ckpt)

    loaded = init_model(CONFIG, checkpoint=ckpt, device='cpu')
    assert loaded.dataset_meta['classes'] == ['a'] * 7
    preds = inference_model(loaded, [dict(img_path=path)] * 2)
    assert len(preds) == 2 and isinstance(preds[0], FERDataSample)
    score = preds[0].pred_score
    assert score.shape == (7, )
    torch.testing.assert_close(score.sum(), torch.tensor(1.0))
    ref = inference_model(model, [dict(img_path=path)])[0].pred_score
    torch.testing.assert_close(score, ref)
