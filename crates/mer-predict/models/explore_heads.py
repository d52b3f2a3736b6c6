"""Linear heads on other musicnn layers, same folds and targets as the shipped ridge (REPORT.md).

Inputs (JSON Lines, one row per shared clip):
  WITH_MUSICNN=1 cargo run --release -p mer-predict --example dump_clip_features -- ../shared/data CACHE > clips.jsonl
  cargo run --release -p mer-predict --example dump_pooled -- ../shared/data > pooled.jsonl
Run: python3 explore_heads.py clips.jsonl pooled.jsonl   (needs numpy)

The head is `fit_weak_ridge` re-written in numpy: one row per clip (clip-mean features,
standardised on the training folds), target = static rating / mean of the dynamic series /
0.5 x quadrant signs (4Q rows weighted wq), weighted ridge with one unpenalised intercept per
dataset, predictions at 4Q's intercept. Prints MUSIFEAST-17 Pearson r (arousal, valence) and
4Q quadrant accuracy of the pooled held-out predictions, and the two sign accuracies on 4Q.
"""
import json
import sys

import numpy as np

clips_path, pooled_path = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(clips_path)]
extra = {d["id"]: d for d in map(json.loads, open(pooled_path))}
rows = [r for r in rows if r["id"] in extra]
fold = np.array([r["fold"] for r in rows])
ds = np.array([r["dataset"] for r in rows])
G = np.array([["musifeast", "4q", "deam", "pmemo"].index(d) for d in ds])
SIGN = {1: (1, 1), 2: (1, -1), 3: (-1, -1), 4: (-1, 1)}


def target(r):
    if r["static"]:
        return r["static"], False
    if r["dynamic_mean"]:
        return r["dynamic_mean"], False
    return [0.5 * s for s in SIGN[r["quadrant"]]], True


Y = np.array([target(r)[0] for r in rows])
weak = np.array([target(r)[1] for r in rows])
qt = np.array([r["quadrant"] or 0 for r in rows])
mf, q4 = ds == "musifeast", ds == "4q"


def fit(X, Y, w, g, lam, zero=1):
    Xc, Yc, mx, my = X.copy(), Y.copy(), {}, {}
    for k in np.unique(g):
        s = g == k
        ww = w[s] / w[s].sum()
        mx[k], my[k] = ww @ X[s], ww @ Y[s]
        Xc[s] -= mx[k]
        Yc[s] -= my[k]
    A = (Xc * w[:, None]).T @ Xc + lam * np.eye(X.shape[1])
    W = np.linalg.solve(A, (Xc * w[:, None]).T @ Yc)
    return W, my[zero] - mx[zero] @ W


def cv(name, X, lam, wq_a, wq_v=None):
    wq_v = wq_a if wq_v is None else wq_v
    P = np.zeros_like(Y)
    for k in range(5):
        tr, te = fold != k, fold == k
        mu, sd = X[tr].mean(0), X[tr].std(0)
        sd[sd < 1e-8] = 1
        Xs = (X - mu) / sd
        for j, wq in enumerate([wq_a, wq_v]):
            W, b = fit(Xs[tr], Y[tr], np.where(weak, wq, 1.0)[tr], G[tr], lam)
            P[te, j] = (Xs[te] @ W + b)[:, j]
    ra = np.corrcoef(P[mf, 0], Y[mf, 0])[0, 1]
    rv = np.corrcoef(P[mf, 1], Y[mf, 1])[0, 1]
    qp = np.where(P[:, 0] >= 0, np.where(P[:, 1] >= 0, 1, 2), np.where(P[:, 1] >= 0, 4, 3))
    sa = ((P[q4, 0] >= 0) == np.isin(qt[q4], [1, 2])).mean()
    sv = ((P[q4, 1] >= 0) == np.isin(qt[q4], [1, 4])).mean()
    print(f"{name:34s} λ {lam:5g} wq {wq_a:g}/{wq_v:g}: A {ra:.3f} V {rv:.3f} "
          f"4Q {(qp[q4] == qt[q4]).mean():.3f} (sign A {sa:.3f}, sign V {sv:.3f})", flush=True)


PEN = np.array([r["musicnn_mean"] for r in rows])
POOL = np.array([extra[r["id"]]["pooled_mean"] for r in rows])
TAGS = np.array([extra[r["id"]]["tags_mean"] for r in rows])
cv("penultimate (the default, unsmoothed)", PEN, 300, 0.25)
for wq_a in [1, 4]:
    cv("penultimate, arousal's 4Q weight", PEN, 300, wq_a, 0.25)
for lam, wq in [(300, 0.25), (1000, 0.25), (300, 0.5)]:
    cv("pooled (1506)", POOL, lam, wq)
    cv("pooled + penultimate", np.hstack([POOL, PEN]), lam, wq)
    cv("mean-pooled half (753)", POOL[:, 1::2], lam, wq)
    cv("max-pooled half (753)", POOL[:, 0::2], lam, wq)
for lam, wq in [(10, 0.25), (30, 1)]:
    cv("tags (50 probabilities)", TAGS, lam, wq)
for lam, wq in [(100, 0.25), (300, 0.25), (300, 1), (1000, 0.25)]:
    cv("penultimate + tags", np.hstack([PEN, TAGS]), lam, wq)
