"""mmfer.visualization.plots: readers (values) and plotters (PNG files)."""
import json
import math

import cv2
import mmengine
import numpy as np
import pytest
import torch

from mmfer.visualization import plots
from tool_scripts import load_tool


def expr_samples(gt, pred, num_classes=3):
    samples = []
    for g, p in zip(gt, pred):
        score = torch.full((num_classes, ), 0.1)
        score[p] = 0.8
        samples.append(
            dict(gt_label=torch.tensor([g]),
                 pred_label=torch.tensor([p]),
                 pred_score=score,
                 img_path=f'{g}.png'))
    return samples


def au_samples():
    # AU1: gt 1 1 0 0, score .9 .2 .8 .1 -> at 0.5: TP 1, FN 1, FP 1
    # AU2: gt 1 -1 0 1 (-1 not coded), score .6 .9 .1 .7 -> all right
    gt = torch.tensor([[1., 1.], [1., -1.], [0., 0.], [0., 1.]])
    score = torch.tensor([[.9, .6], [.2, .9], [.8, .1], [.1, .7]])
    return [dict(gt_au=g, pred_au_score=s) for g, s in zip(gt, score)]


def read_png(path):
    img = cv2.imread(str(path))
    assert img is not None and img.size > 0, path
    return img


def test_confusion_from_predictions(tmp_path):
    gt = [0, 0, 0, 1, 1, 2]
    pred = [0, 0, 1, 1, 2, 2]
    path = tmp_path / 'preds.pkl'
    mmengine.dump(expr_samples(gt, pred), str(path))
    samples = plots.load_predictions(str(path))
    cm = plots.confusion_from_predictions(samples)
    np.testing.assert_array_equal(cm, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
    # without pred_label: the argmax of pred_score
    for s in samples:
        del s['pred_label']
    np.testing.assert_array_equal(plots.confusion_from_predictions(samples),
                                  cm)
    # a class without samples still gets a row when K is given
    assert plots.confusion_from_predictions(samples, 4).shape == (4, 4)
    out = plots.plot_confusion_matrix(cm, ['a', 'b', 'c'],
                                      str(tmp_path / 'cm.png'),
                                      title='t')
    assert read_png(out).shape[0] > 100


def test_predictions_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pkl.*--out preds.pkl'):
        plots.load_predictions(str(tmp_path / 'nope.pkl'))
    path = tmp_path / 'dict.pkl'
    mmengine.dump(dict(a=1), str(path))
    with pytest.raises(ValueError,
                       match='dict.pkl: expected a non-empty '
                       'list of per-sample dicts'):
        plots.load_predictions(str(path))
    # an AU model's dump has no expression labels, and vice versa
    with pytest.raises(KeyError,
                       match=r"au.pkl: the samples have no "
                       r"\['gt_label'\].*gt_au"):
        plots.confusion_from_predictions(au_samples(), path='au.pkl')
    with pytest.raises(KeyError,
                       match=r"ex.pkl: .*no \['gt_au', "
                       r"'pred_au_score'\]"):
        plots.au_f1_from_predictions(expr_samples([0], [0]), path='ex.pkl')
    with pytest.raises(ValueError, match='outside 0..1'):
        plots.confusion_from_predictions(expr_samples([0, 2], [0, 2], 3), 2)


def test_confusion_csv_round_trip_with_run_folds(tmp_path):
    run_folds = load_tool('misc', 'run_folds.py')
    cm = np.array([[7, 2, 1], [0, 5, 0], [3, 3, 9]])
    classes = ['anger', 'happiness', 'neutral']
    paths = run_folds.write_confusion_matrix(str(tmp_path), cm, classes, 't')
    counts, names = plots.read_confusion_csv(paths['csv'])
    np.testing.assert_array_equal(counts, cm)
    assert names == classes
    bad = tmp_path / 'bad.csv'
    bad.write_text('a,b\n1,2\n')
    with pytest.raises(ValueError,
                       match='bad.csv: not a run_folds '
                       'confusion matrix'):
        plots.read_confusion_csv(str(bad))
    with pytest.raises(FileNotFoundError, match='--confusion-matrix'):
        plots.read_confusion_csv(str(tmp_path / 'missing.csv'))


def test_au_f1_from_predictions_matches_hand_count():
    f1 = plots.au_f1_from_predictions(au_samples(), au_names=[1, 2])
    assert list(f1) == ['AU1', 'AU2']
    assert f1['AU1'] == pytest.approx(50.0)  # 2TP / (2TP + FP + FN)
    assert f1['AU2'] == pytest.approx(100.0)
    f1 = plots.au_f1_from_predictions(au_samples(), threshold=0.85)
    assert list(f1) == ['AU0', 'AU1']
    assert f1['AU0'] == pytest.approx(200 / 3)
    assert f1['AU1'] == 0.0


AU_LOG = """\
2026/12/03 13:26:09 - mmengine - INFO - Epoch(train) [5][8/8]  loss: 1.0
2026/12/03 13:26:09 - mmengine - INFO - AU detection (threshold 0.50):
   AU1  F1= 10.00  acc= 83.20  positives=84
  AU12  F1=  0.00  acc= 88.91  positives=56
2026/12/03 13:26:09 - mmengine - INFO - Epoch(val) [5][8/8]  au/F1_mean: 5
2026/12/03 13:27:09 - mmengine - INFO - AU detection (threshold 0.40):
   AU1  F1= 45.20  acc= 88.00  positives=12
  AU12  F1=   nan  acc=   nan  positives=0
  AU24  F1=100.00  acc=100.00  positives=3
2026/12/03 13:27:09 - mmengine - INFO - Epoch(val) [10][8/8]  au/F1_mean: 72
"""


def test_parse_au_f1_log(tmp_path):
    run = tmp_path / 'work' / '20261203_132412'
    run.mkdir(parents=True)
    (run / '20261203_132412.log').write_text(AU_LOG)
    # a work dir finds its newest timestamped log
    blocks = plots.parse_au_f1_log(str(tmp_path / 'work'))
    assert [b['threshold'] for b in blocks] == [0.5, 0.4]
    assert blocks[0]['f1'] == {'AU1': 10.0, 'AU12': 0.0}
    last = blocks[-1]['f1']
    assert list(last) == ['AU1', 'AU12', 'AU24']
    assert last['AU1'] == 45.2 and math.isnan(last['AU12'])
    assert last['AU24'] == 100.0
    out = plots.plot_au_f1(last, str(tmp_path / 'au.png'))
    assert read_png(out).shape[1] > 100

    empty = tmp_path / 'empty.log'
    empty.write_text('2026/12/03 - mmengine - INFO - Epoch(train) [1][1/1]\n')
    with pytest.raises(ValueError, match='empty.log: no per-AU F1 table'):
        plots.parse_au_f1_log(str(empty))
    with pytest.raises(FileNotFoundError, match=r'no a text log .*\*\.log'):
        plots.parse_au_f1_log(str(tmp_path))


def write_run(tmp_path, records, log=True):
    """A work dir with <ts>/vis_data/scalars.json (+ the text log)."""
    run = tmp_path / 'work' / '20261203_132137'
    (run / 'vis_data').mkdir(parents=True)
    (run / 'vis_data' /
     'scalars.json').write_text('\n'.join(json.dumps(r)
                                          for r in records) + '\n')
    if log:
        (run / '20261203_132137.log').write_text(
            '2026/12/03 - mmengine - INFO - Epoch(train)  [1][ 5/10]  '
            'lr: 1.0e-03  loss: 2.0\n')
    return str(tmp_path / 'work')


EPOCH_RUN = [
    dict(lr=1e-3, loss=2.0, epoch=1, iter=5, step=5),
    dict(lr=1e-3, loss=1.5, epoch=1, iter=10, step=10),
    {
        'expr/UAR': 40.0,
        'data_time': 0.1,
        'step': 1
    },
    dict(lr=5e-4, loss=1.0, loss_aux=0.5, epoch=2, iter=15, step=15),
    dict(lr=1e-4, loss=0.8, loss_aux=0.4, epoch=2, iter=20, step=20),
    {
        'expr/UAR': 50.0,
        'expr/WAR': 55.0,
        'step': 2
    },
]


def test_curve_data_epoch_and_iter_axes(tmp_path):
    records, path = plots.load_scalars(write_run(tmp_path, EPOCH_RUN))
    assert path.endswith('20261203_132137/vis_data/scalars.json')
    assert plots.iters_per_epoch_from_log(path) == 10
    assert plots.scalar_keys(records) == (['lr', 'loss', 'loss_aux'],
                                          ['expr/UAR', 'expr/WAR'])
    assert plots.default_curve_keys(records) == [
        'lr', 'loss', 'loss_aux', 'expr/UAR', 'expr/WAR'
    ]
    groups = plots.curve_data(records, ['loss*', 'expr/UAR'],
                              x='epoch',
                              iters_per_epoch=10)
    assert list(groups[0]) == ['loss', 'loss_aux']  # one subplot, 2 curves
    xs, ys = groups[0]['loss']
    np.testing.assert_allclose(xs, [0.5, 1.0, 1.5, 2.0])
    np.testing.assert_allclose(ys, [2.0, 1.5, 1.0, 0.8])
    np.testing.assert_allclose(groups[0]['loss_aux'][0], [1.5, 2.0])
    xs, ys = groups[1]['expr/UAR']
    np.testing.assert_allclose(xs, [1, 2])
    np.testing.assert_allclose(ys, [40, 50])
    # iteration axis: validation of epoch e at e * iters_per_epoch
    groups = plots.curve_data(records, ['expr/*', 'lr'],
                              x='iter',
                              iters_per_epoch=10)
    np.testing.assert_allclose(groups[0]['expr/UAR'][0], [10, 20])
    np.testing.assert_allclose(groups[0]['expr/WAR'][0], [20])
    np.testing.assert_allclose(groups[1]['lr'][0], [5, 10, 15, 20])
    out = plots.plot_curves(groups, str(tmp_path / 'c.png'), x='iter')
    assert read_png(out).shape[0] > 100


def test_curve_data_bad_input(tmp_path):
    records, path = plots.load_scalars(
        write_run(tmp_path, EPOCH_RUN, log=False))
    assert plots.iters_per_epoch_from_log(path) is None
    with pytest.raises(KeyError,
                       match=r"no scalar matches 'acc'; training "
                       r"keys: \['lr', 'loss', 'loss_aux'\], validation keys"):
        plots.curve_data(records, ['acc'], iters_per_epoch=10)
    with pytest.raises(ValueError, match='--iters-per-epoch'):
        plots.curve_data(records, ['loss', 'expr/UAR'], x='epoch')
    # training keys alone need no conversion on the iteration axis
    xs, _ = plots.curve_data(records, ['loss'], x='iter')[0]['loss']
    np.testing.assert_allclose(xs, [5, 10, 15, 20])
    with pytest.raises(FileNotFoundError, match='no LocalVisBackend scalars'):
        plots.load_scalars(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='no such scalars.json'):
        plots.load_scalars(str(tmp_path / 'x.json'))


def test_dataset_meta_from_checkpoint(tmp_path):
    ckpt = tmp_path / 'epoch_1.pth'
    meta = dict(classes=['anger', 'neutral'], au_names=['AU1'])
    torch.save(dict(meta=dict(dataset_meta=meta), state_dict={}), str(ckpt))
    assert plots.load_dataset_meta(checkpoint=str(ckpt)) == meta
    with pytest.raises(FileNotFoundError, match='no such checkpoint'):
        plots.load_dataset_meta(checkpoint=str(tmp_path / 'x.pth'))
    torch.save(dict(state_dict={}), str(ckpt))
    with pytest.raises(ValueError, match='holds no meta.dataset_meta'):
        plots.load_dataset_meta(checkpoint=str(ckpt))
