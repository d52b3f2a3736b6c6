"""The shipped ridge head (`mer_predict::training::fit_weak_ridge`) in numpy, with the same
5-fold CV by song as REPORT.md, for the exploration scripts beside it.

One row per clip: its clip-mean features (standardised on the training folds) and one target —
the static rating, else the mean of the dynamic series, else 0.5 x the quadrant's signs (4Q,
weight wq); weighted ridge with one unpenalised intercept per dataset; predictions at 4Q's
intercept. Scores: MUSIFEAST-17 Pearson r (arousal, valence) and 4Q quadrant accuracy of the
pooled held-out predictions, plus the two sign accuracies on 4Q.
"""
import numpy as np

SIGN = {1: (1, 1), 2: (1, -1), 3: (-1, -1), 4: (-1, 1)}
DATASETS = ["musifeast", "4q", "deam", "pmemo"]


def target(r):
    if r["static"]:
        return r["static"], False
    if r["dynamic_mean"]:
        return r["dynamic_mean"], False
    return [0.5 * s for s in SIGN[r["quadrant"]]], True


def fit(X, Y, w, g, lam, zero=1):
    """Weighted ridge with one unpenalised intercept per group; returns (W, intercept of `zero`)."""
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


class Folds:
    """Labels, folds and groups of the clip rows (dicts of `dump_clip_features`)."""

    def __init__(self, rows):
        self.fold = np.array([r["fold"] for r in rows])
        ds = np.array([r["dataset"] for r in rows])
        self.G = np.array([DATASETS.index(d) for d in ds])
        self.Y = np.array([target(r)[0] for r in rows])
        self.weak = np.array([target(r)[1] for r in rows])
        self.qt = np.array([r["quadrant"] or 0 for r in rows])
        self.mf, self.q4 = ds == "musifeast", ds == "4q"

    def cv(self, name, X, lam=300, wq_a=0.25, wq_v=None, X_aug=None, X_test=None):
        """Prints and returns the held-out predictions of the head on features X. wq_v: 4Q
        weight for valence (default wq_a); X_aug: extra training copies of every clip (same
        labels); X_test: features the held-out clips are predicted from (default X)."""
        wq_v = wq_a if wq_v is None else wq_v
        X_test = X if X_test is None else X_test
        Y, G = self.Y, self.G
        P = np.zeros_like(Y)
        for k in range(5):
            tr, te = self.fold != k, self.fold == k
            Xtr, Ytr, gtr, weak = X[tr], Y[tr], G[tr], self.weak[tr]
            if X_aug is not None:
                Xtr = np.vstack([Xtr, X_aug[tr]])
                Ytr, gtr, weak = np.vstack([Ytr, Ytr]), np.concatenate([gtr, gtr]), np.concatenate([weak, weak])
            mu, sd = Xtr.mean(0), Xtr.std(0)
            sd[sd < 1e-8] = 1
            for j, wq in enumerate([wq_a, wq_v]):
                W, b = fit((Xtr - mu) / sd, Ytr, np.where(weak, wq, 1.0), gtr, lam)
                P[te, j] = (((X_test[te] - mu) / sd) @ W + b)[:, j]
        print(f"{name:58s} λ {lam:5g} wq {wq_a:g}/{wq_v:g}: {self.scores(P)}", flush=True)
        return P

    def metrics(self, P):
        """(MUSIFEAST-17 r arousal, r valence, 4Q accuracy, 4Q arousal-sign and valence-sign
        accuracy) of held-out predictions P."""
        mf, q4, qt, Y = self.mf, self.q4, self.qt, self.Y
        ra = np.corrcoef(P[mf, 0], Y[mf, 0])[0, 1]
        rv = np.corrcoef(P[mf, 1], Y[mf, 1])[0, 1]
        qp = np.where(P[:, 0] >= 0, np.where(P[:, 1] >= 0, 1, 2), np.where(P[:, 1] >= 0, 4, 3))
        sa = ((P[q4, 0] >= 0) == np.isin(qt[q4], [1, 2])).mean()
        sv = ((P[q4, 1] >= 0) == np.isin(qt[q4], [1, 4])).mean()
        return ra, rv, (qp[q4] == qt[q4]).mean(), sa, sv

    def scores(self, P):
        ra, rv, acc, sa, sv = self.metrics(P)
        return f"A {ra:.3f} V {rv:.3f} 4Q {acc:.3f} (sign A {sa:.3f}, sign V {sv:.3f})"
