# Linear probe of a pre-trained encoder across domains: how well do its
# frozen features separate the expressions of the source database, and do
# they transfer to the target databases?
#   python tools/analysis_tools/probe_encoder.py CONFIG [CONFIG ...]
# Each CONFIG is a fine-tuning config whose backbone init_cfg names the
# pre-trained checkpoint (e.g. the EMPD Table IV configs of
# configs/empd/ablations/, ESGM vs random-masking MAE pre-training) and
# that declares cross_dataset targets. Nothing is fine-tuned: the model is
# built, init_weights() loads the pre-trained encoder, and a multinomial
# logistic regression (L2, L-BFGS, on standardised features) is fitted on
# the source training set's features (test pipeline: no augmentation).
# Printed: accuracy (%) on the source validation set and on every target,
# and their average over the targets -- the same cells as EMPD's tables,
# for the frozen encoder.
import argparse
import time

import torch
from mmengine.config import Config

from mmfer.engine.hooks.mcm_reconstruction_hook import load_batch
from mmfer.registry import DATASETS, MODELS
from mmfer.utils import register_all_modules


def dataset_with_test_pipeline(ds_cfg, pipeline):
    ds_cfg = dict(ds_cfg)
    if ds_cfg.get('type') in ('ConcatDataset', 'RepeatDataset',
                              'ClassBalancedDataset'):
        raise ValueError('probe_encoder.py reads one source dataset; got a '
                         f'{ds_cfg["type"]} (probe each source separately)')
    ds_cfg['pipeline'] = pipeline
    return DATASETS.build(ds_cfg)


@torch.no_grad()
def features(model, dataset, batch_size=64):
    """(N, C) features of ``model.extract_feat`` and (N,) labels."""
    feats, labels = [], []
    for start in range(0, len(dataset), batch_size):
        inputs, samples = load_batch(
            dataset, range(start, min(start + batch_size, len(dataset))),
            model.data_preprocessor)
        out = model.extract_feat(inputs)
        feats.append(out[-1] if isinstance(out, (tuple, list)) else out)
        labels += [int(s.gt_label) for s in samples]
    return torch.cat(feats).float(), torch.tensor(labels)


def fit_probe(x, y, num_classes, weight_decay=1e-3, steps=200):
    """Multinomial logistic regression; returns a predict function."""
    mean, std = x.mean(0), x.std(0).clamp_min(1e-6)
    x = (x - mean) / std
    linear = torch.nn.Linear(x.shape[1], num_classes)
    opt = torch.optim.LBFGS(linear.parameters(), max_iter=steps,
                            line_search_fn='strong_wolfe')

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(linear(x), y) + \
            weight_decay * linear.weight.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lambda z: linear((z - mean) / std).argmax(1)


def probe(config, batch_size):
    cfg = Config.fromfile(config)
    if 'cross_dataset' not in cfg:
        raise KeyError(f'{config} declares no cross_dataset targets')
    model = MODELS.build(cfg.model)
    model.init_weights()        # loads the pre-trained encoder
    model.eval()
    pipeline = cfg.test_dataloader.dataset.pipeline
    train = dataset_with_test_pipeline(cfg.train_dataloader.dataset, pipeline)
    num_classes = len(train.metainfo['classes'])
    x, y = features(model, train, batch_size)
    predict = fit_probe(x, y, num_classes)
    sets = {'source val': cfg.val_dataloader.dataset}
    order = cfg.cross_dataset.get('order') or list(cfg.cross_dataset.targets)
    sets.update({t: cfg.cross_dataset.targets[t] for t in order})
    acc = {}
    for name, ds_cfg in sets.items():
        ds = dataset_with_test_pipeline(
            ds_cfg, ds_cfg.get('pipeline') or pipeline)
        xt, yt = features(model, ds, batch_size)
        acc[name] = float((predict(xt) == yt).float().mean() * 100)
    train_acc = float((predict(x) == y).float().mean() * 100)
    return acc, train_acc, len(train), x.shape[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('configs', nargs='+')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--threads', type=int, default=None)
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    register_all_modules()
    rows = []
    for config in a.configs:
        t0 = time.time()
        acc, train_acc, n, dim = probe(config, a.batch_size)
        rows.append((config, acc))
        print(f'{config}: {n} source images, {dim}-d features, probe train '
              f'accuracy {train_acc:.2f}, {time.time() - t0:.0f} s')
    targets = [k for k in rows[0][1] if k != 'source val']
    print('\n| config | source val | ' + ' | '.join(targets) + ' | Avg |')
    print('|---' * (len(targets) + 3) + '|')
    for config, acc in rows:
        avg = sum(acc[t] for t in targets) / len(targets)
        cells = ' | '.join(f'{acc[t]:.2f}' for t in targets)
        name = config.rsplit('/', 1)[-1].removesuffix('.py')
        print(f'| {name} | {acc["source val"]:.2f} | {cells} | {avg:.2f} |')
    return rows


if __name__ == '__main__':
    main()
