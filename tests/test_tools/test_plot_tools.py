"""tools/analysis_tools/plot_{confusion_matrix,au_f1,curves}.py."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import mmengine
import numpy as np
import pytest
import torch

from tool_scripts import load_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_plot_tool(name):
    return load_tool('analysis_tools', f'{name}.py')


def png_size(path):
    img = cv2.imread(str(path))
    assert img is not None, f'{path} is not a readable PNG'
    return img.shape[:2]


def dump_expr(path, gt, pred, k):
    samples = [
        dict(gt_label=torch.tensor([g]),
             pred_label=torch.tensor([p]),
             pred_score=torch.eye(k)[p]) for g, p in zip(gt, pred)
    ]
    mmengine.dump(samples, str(path))


def test_plot_confusion_matrix_from_pkl(tmp_path):
    tool = load_plot_tool('plot_confusion_matrix')
    pkl = tmp_path / 'preds.pkl'
    dump_expr(pkl, [0, 1, 1, 2], [0, 1, 2, 2], 3)
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save(
        dict(meta=dict(dataset_meta=dict(classes=('a', 'b', 'c'))),
             state_dict={}), str(ckpt))
    cm = tool.main([str(pkl), '--checkpoint', str(ckpt)])
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    assert min(png_size(tmp_path / 'preds.png')) > 100  # default: input.png
    with pytest.raises(ValueError,
                       match=r'preds.pkl: labels span 0..2, '
                       r'outside 0..1 of 2 classes'):
        tool.main([str(pkl), '--classes', 'x', 'y'])


def test_plot_confusion_matrix_from_run_folds_csv(tmp_path):
    tool = load_plot_tool('plot_confusion_matrix')
    csv_path = tmp_path / 'confusion_matrix.csv'
    csv_path.write_text('true \\ predicted (%),anger,neutral,samples\n'
                        'anger,75.00,25.00,4\nneutral,0.00,100.00,2\n')
    out = tmp_path / 'cm.png'
    cm = tool.main([str(csv_path), '--out', str(out)])
    np.testing.assert_array_equal(cm, [[3, 1], [0, 2]])
    assert out.stat().st_size > 1000


def test_plot_au_f1_from_pkl_and_log(tmp_path):
    tool = load_plot_tool('plot_au_f1')
    pkl = tmp_path / 'au_preds.pkl'
    mmengine.dump([
        dict(gt_au=torch.tensor([1., 0.]),
             pred_au_score=torch.tensor([.9, .7])),
        dict(gt_au=torch.tensor([1., 1.]),
             pred_au_score=torch.tensor([.8, .1])),
    ], str(pkl))
    f1 = tool.main([str(pkl), '--au-names', '6', '12'])
    assert f1 == {'AU6': 100.0, 'AU12': 0.0}
    assert png_size(tmp_path / 'au_f1.png')[0] > 100
    # an expression dump has no AU fields
    expr = tmp_path / 'expr.pkl'
    dump_expr(expr, [0], [0], 2)
    with pytest.raises(KeyError,
                       match=r"expr.pkl: the samples have no "
                       r"\['gt_au', 'pred_au_score'\]"):
        tool.main([str(expr)])

    log = tmp_path / 'run.log'
    log.write_text('x - mmengine - INFO - AU detection (threshold 0.50):\n'
                   '   AU1  F1= 12.50  acc= 80.00  positives=3\n'
                   '   AU2  F1= 40.00  acc= 90.00  positives=1\n'
                   'x - mmengine - INFO - Epoch(val) [5][8/8]\n')
    out = tmp_path / 'f1.png'
    assert tool.main([str(log), '--out', str(out)]) == {
        'AU1': 12.5,
        'AU2': 40.0
    }
    assert out.stat().st_size > 1000
    with pytest.raises(IndexError, match='--eval-index 3, but the log has 1'):
        tool.main([str(log), '--eval-index', '3'])


def test_plot_curves_cli(tmp_path):
    run = tmp_path / 'work' / '20261203_000000'
    (run / 'vis_data').mkdir(parents=True)
    records = [
        dict(lr=1e-3, loss=2.0, epoch=1, iter=4, step=4),
        {
            'au/F1_AU1': 10.0,
            'au/F1_AU2': 20.0,
            'step': 1
        },
        dict(lr=1e-4, loss=1.0, epoch=2, iter=8, step=8),
        {
            'au/F1_AU1': 30.0,
            'au/F1_AU2': 40.0,
            'step': 2
        },
    ]
    (run / 'vis_data' / 'scalars.json').write_text('\n'.join(
        map(json.dumps, records)))
    (run / '20261203_000000.log'
     ).write_text('x - mmengine - INFO - Epoch(train)  [1][4/4]  loss: 2.0\n')
    tool = load_plot_tool('plot_curves')
    groups = tool.main([str(tmp_path / 'work'), '--keys', 'loss', 'au/F1_*'])
    np.testing.assert_allclose(groups[0]['loss'][0], [1, 2])  # epochs
    assert sorted(groups[1]) == ['au/F1_AU1', 'au/F1_AU2']
    np.testing.assert_allclose(groups[1]['au/F1_AU2'][1], [20, 40])
    assert png_size(run / 'vis_data' / 'curves.png')[1] > 300
    # as a script, with an unknown key: one message naming the keys
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'analysis_tools', 'plot_curves.py'),
        str(tmp_path / 'work'), '--keys', 'val/acc'
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO)
    assert proc.returncode != 0
    assert "no scalar matches 'val/acc'" in proc.stderr
    assert "validation keys: ['au/F1_AU1', 'au/F1_AU2']" in proc.stderr
