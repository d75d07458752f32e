"""--cfg-options on top-level variables the config already substituted."""
import os.path as osp
import warnings
from argparse import Namespace

import pytest
from mmengine.config import Config

from mmfer.utils import merge_train_args
from mmfer.utils.cfg_options import TopLevelOverrideError, check_cfg_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(REPO, 'configs', 'quickstart',
                      'resnet18-w32_synthface-expr-rgb-64px.py')
SCHEDULE = '''
max_epochs = 12
train_cfg = dict(by_epoch=True, max_epochs=max_epochs)
param_scheduler = [dict(type='CosineAnnealingLR', end=max_epochs)]
'''


def _train_args(cfg_options):
    return Namespace(config=QUICKSTART, work_dir='/tmp/unused', resume=None,
                     amp=False, no_validate=False, auto_scale_lr=False,
                     cfg_options=cfg_options)


def test_data_root_override_refused_naming_nested_keys():
    cfg = Config.fromfile(QUICKSTART)
    with pytest.raises(TopLevelOverrideError) as err:
        merge_train_args(cfg, _train_args({'data_root': '/nonexistent'}))
    msg = str(err.value)
    assert ("--cfg-options data_root=/nonexistent changes only the top-level "
            "variable 'data_root' (now 'data/synthface_quickstart')") in msg
    assert ('substituted into train_dataloader.dataset.data_root, '
            'val_dataloader.dataset.data_root, '
            'test_dataloader.dataset.data_root') in msg
    assert msg.endswith(
        'Pass instead: --cfg-options train_dataloader.dataset.data_root='
        '/nonexistent val_dataloader.dataset.data_root=/nonexistent '
        'test_dataloader.dataset.data_root=/nonexistent')
    assert cfg.data_root == 'data/synthface_quickstart'  # nothing merged


def test_substituted_max_epochs_refused_with_the_key_to_use():
    cfg = Config.fromstring(SCHEDULE, '.py')
    with pytest.raises(TopLevelOverrideError) as err:
        check_cfg_options(cfg, {'max_epochs': 1})
    msg = str(err.value)
    assert "top-level variable 'max_epochs' (now 12)" in msg
    assert 'Pass instead: --cfg-options train_cfg.max_epochs=1 ' \
        '(param_scheduler.0.end also hold 12' in msg


def test_max_epochs_absent_at_top_level_refused():
    # the quickstart sets only train_cfg.max_epochs
    with pytest.raises(TopLevelOverrideError) as err:
        check_cfg_options(Config.fromfile(QUICKSTART), {'max_epochs': 1})
    assert str(err.value) == (
        "--cfg-options max_epochs=1: the config has no top-level "
        "'max_epochs', so this adds a key that nothing reads (and that the "
        "dumped config would record). The config sets it at "
        "train_cfg.max_epochs. Pass instead: --cfg-options "
        "train_cfg.max_epochs=1")


def test_dotted_key_into_substituted_dict_refused():
    with pytest.raises(TopLevelOverrideError,
                       match=r'Pass instead: --cfg-options '
                       r'train_dataloader\.dataset\.auto_generate\.subjects=4 '
                       r'val_dataloader'):
        check_cfg_options(Config.fromfile(QUICKSTART),
                          {'auto_generate.subjects': 4})


def test_nested_and_runner_keys_accepted():
    cfg = Config.fromfile(QUICKSTART)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        check_cfg_options(cfg, {'train_cfg.max_epochs': 1,
                                'work_dir': '/tmp/x', 'load_from': None,
                                'a_new_key': 3})
        # the top-level name together with every nested copy: accepted
        check_cfg_options(Config.fromstring(SCHEDULE, '.py'), {
            'max_epochs': 1, 'train_cfg.max_epochs': 1,
            'param_scheduler.0.end': 1})


def test_number_found_only_under_other_names_warns():
    cfg = Config.fromstring('num_frames = 16\nclip = dict(clip_len=16)',
                            '.py')
    with pytest.warns(UserWarning, match=r'num_frames is a top-level '
                      r'variable; its old value 16 also appears at '
                      r'clip\.clip_len'):
        check_cfg_options(cfg, {'num_frames': 8})
