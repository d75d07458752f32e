"""Expression labels are learnable from pixels, but not trivially."""
import cv2
import numpy as np

from mmfer.datasets.synthface import (EXPRESSIONS, SynthFaceRenderer,
                                      sample_expression, sample_subject)
from mmfer.datasets.synthface.seeding import make_rng


def softmax_regression(X, y, k, reg=1e-2, lr=0.5, iters=300):
    W, b = np.zeros((X.shape[1], k)), np.zeros(k)
    Y = np.eye(k)[y]
    for _ in range(iters):
        z = X @ W + b
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        W -= lr * (X.T @ (p - Y) / len(X) + reg * W)
        b -= lr * (p - Y).mean(0)
    return W, b


def test_expression_learnable_on_held_out_subjects():
    r = SynthFaceRenderer(64)
    X, y, g = [], [], []
    for si in range(16):
        subject = sample_subject(0, si)
        for j in range(25):
            rng = make_rng(0, 2, si, j)
            label = int(rng.integers(len(EXPRESSIONS)))
            au, arousal = sample_expression(EXPRESSIONS[label], rng)
            rgb = r.render(subject, au, 'lab', rng, arousal=arousal,
                           modalities=('rgb', ))['rgb']
            gray = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (32, 32),
                              interpolation=cv2.INTER_AREA)
            X.append(gray.astype(np.float32).ravel())
            y.append(label)
            g.append(si)
    X, y, g = np.array(X), np.array(y), np.array(g)           # (400, 1024)
    X = (X - X.mean(1, keepdims=True)) / (X.std(1, keepdims=True) + 1e-6)
    train = g < 12                                             # 4 unseen subj.
    mu, sd = X[train].mean(0), X[train].std(0) + 1e-6
    X = (X - mu) / sd
    W, b = softmax_regression(X[train], y[train], len(EXPRESSIONS))
    acc = ((X[~train] @ W + b).argmax(1) == y[~train]).mean()
    assert 0.40 < acc < 0.98, acc
