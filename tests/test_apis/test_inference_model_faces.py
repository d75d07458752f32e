"""inference_model: bare paths, detect + crop by default, refuse no face."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from matplotlib import cbook
from mmengine.dataset import Compose, pseudo_collate

from mmfer.apis import FERInferencer, inference_model, init_model
from mmfer.datasets.face import FaceNotFoundError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'quickstart',
                  'resnet18-w32_synthface-expr-rgb-64px.py')
GRACE = str(cbook.get_sample_data('grace_hopper.jpg', asfileobj=False))


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_model(CONFIG, device='cpu')


def test_bare_paths_are_detected_and_cropped(model, tmp_path):
    (one, ) = inference_model(model, GRACE)
    two = inference_model(model, [GRACE, dict(img_path=GRACE)])
    assert one.pred_score.shape == (7, )
    for p in two:
        torch.testing.assert_close(p.pred_score, one.pred_score)
    # the face crop, not the whole 512 x 600 photo squeezed to the model
    raw = Compose(model.cfg.test_dataloader.dataset.pipeline)(
        dict(img_path=GRACE))
    assert raw['inputs'].shape == (3, 600, 512)
    whole = model.test_step(pseudo_collate([raw]))[0].pred_score
    assert (whole - one.pred_score).abs().max() > 1e-4
    # the same face and crop as FERInferencer
    (r, ) = FERInferencer(model=model)(GRACE)
    np.testing.assert_allclose(list(r['expression_probs'].values()),
                               one.pred_score.numpy(), atol=1e-6)


def test_no_face_is_refused_naming_the_file(model, tmp_path):
    wall = str(tmp_path / 'wall.png')
    cv2.imwrite(wall, np.full((96, 128, 3), 128, np.uint8))
    with pytest.raises(FaceNotFoundError,
                       match=r'found no face in .*wall\.png.*detector=None'):
        inference_model(model, wall)
    # detector=None: a pre-cropped face goes through the test pipeline as is
    (p, ) = inference_model(model, wall, detector=None)
    ref = model.test_step(pseudo_collate([Compose(
        model.cfg.test_dataloader.dataset.pipeline)(dict(img_path=wall))]))
    torch.testing.assert_close(p.pred_score, ref[0].pred_score)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_model(model, str(tmp_path / 'missing.png'))
    with pytest.raises(TypeError, match='image paths or dicts'):
        inference_model(model, [np.zeros((4, 4, 3), np.uint8)])
