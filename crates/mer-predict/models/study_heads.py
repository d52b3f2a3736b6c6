"""Issue 17's measurement study: clip-level heads on musicnn embeddings, scored by nested CV by
song on the development part of the shared data and once on the fixed internal holdout.

Protocol (every choice inside the training data of the fold that reports it):
  * dev = every shared clip not in experiments/holdout-shared.txt (MUSIFEAST-17 205, 4Q 512,
    DEAM/PMEmo samples 14, the latter only ever trained on); holdout = the 179 listed clips.
  * Outer: the project's 5 folds by song (fold = fnv1a64(id) mod 5) over dev. Inner: the 4
    training folds of the outer split, leave-one-fold-out; the grid point with the best inner
    score is refitted on the 4 folds and predicts the outer fold. Scores are pooled over the 5
    outer folds. Holdout: the same inner search over all 5 dev folds picks the grid point, it
    is fitted on all of dev and predicts the holdout once.
  * Regression heads choose by MUSIFEAST r arousal + r valence + 4Q accuracy of the signs;
    quadrant classifiers by 4Q accuracy (ties: log loss). Temperature (one T per classifier,
    minimising the log loss of the inner out-of-fold probabilities of the chosen grid point)
    is fitted inside the same search.
  * Features standardised on the training rows of each fit.

Rows:
  * regression heads (A/V; 4Q answer = signs of the two outputs): grouped ridge (ridge_head.fit:
    one unpenalised intercept per dataset, 4Q rows weight wq, target 0.5 x the quadrant's signs)
    — `ridge@300` is today's default recipe exactly (lambda 300, wq 0.25, no search);
    RBF kernel ridge and RBF SVR on per-dataset-centred targets (the kernel analogue of the
    per-dataset intercepts; predictions at 4Q's mean target).
  * quadrant classifiers on 4Q (+ optionally MUSIFEAST's rating-sign quadrants, weight wm):
    multinomial logistic regression (its logits) and RBF SVC (its one-vs-rest decision values
    as logits), temperature-scaled; ECE = top-label expected
    calibration error over 10 equal-width confidence bins, reliability table for the winner.
  * combined: A/V from a regression head, quadrant + confidence from a classifier; where a
    regression output's sign disagrees with the classifier's quadrant it is projected onto the
    quadrant (that output set to +-0.01 on the quadrant's side; the other is kept) — the
    nearest point of the quadrant. MUSIFEAST r is reported after that projection.

Features: clip mean (and std) of musicnn's penultimate embedding over musicnn `extractor()`'s
non-overlapping 3 s patches (10 for a 30 s clip), from the `dump_pretrained` example (mer-predict),
one file per model, merged by clip id:
  RAYON_NUM_THREADS=1 nice target/release/examples/dump_pretrained $MER_DATA tmp/msd3s.jsonl MSD_musicnn
  RAYON_NUM_THREADS=1 nice target/release/examples/dump_pretrained $MER_DATA tmp/mtt3s.jsonl MTT_musicnn
(`mer` itself averages the 60 overlapping 2 Hz patches of a 30 s clip; the 10 patches here are
a subset of them, chosen for cost on the shared machine.)
Run (scikit-learn 1.9.1, numpy 2.4, in a venv):
  python3 -m venv tmp/venv && tmp/venv/bin/pip install scikit-learn==1.9.1 numpy
  cd crates/mer-predict/models && ../../../tmp/venv/bin/python study_heads.py ../../../tmp/msd3s.jsonl,../../../tmp/mtt3s.jsonl ../../../experiments/holdout-shared.txt [ROW-FILTER]
"""
import json
import os
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one thread: the machine is shared
from itertools import product

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC, SVR

from ridge_head import DATASETS, SIGN, fit as grouped_ridge_fit, target

EPS = 0.01  # projection onto the classifier's quadrant: a disagreeing output becomes +-EPS

# ---------------------------------------------------------------------------------------------
# data


def load(paths, holdout_path):
    rows = {}
    for path in paths:
        for line in open(path):
            r = json.loads(line)
            rows.setdefault(r["id"], {}).update(r)
    rows = sorted(rows.values(), key=lambda r: r["id"])
    hold = {l.strip() for l in open(holdout_path) if l.strip() and not l.startswith("#")}
    missing = hold - {r["id"] for r in rows}
    if missing and os.environ.get("STUDY_PARTIAL"):  # trial runs on a partial dump only
        rows = [r for r in rows if r["dataset"] in ("musifeast", "4q", "deam", "pmemo")]
    elif missing:
        sys.exit(f"{holdout_path}: {len(missing)} holdout ids not in the features, e.g. {sorted(missing)[:3]}")
    return rows, np.array([r["id"] in hold for r in rows])


class Data:
    def __init__(self, rows, hold):
        self.rows = rows
        self.hold = hold
        self.fold = np.array([r["fold"] for r in rows])
        ds = np.array([r["dataset"] for r in rows])
        self.G = np.array([DATASETS.index(d) for d in ds])
        self.Y = np.array([target(r)[0] for r in rows], dtype=float)
        self.weak = np.array([target(r)[1] for r in rows])
        self.qt = np.array([r["quadrant"] or 0 for r in rows])
        self.mf, self.q4 = ds == "musifeast", ds == "4q"
        # quadrant implied by the ratings (MUSIFEAST, DEAM, PMEmo), else the label
        a, v = self.Y[:, 0] >= 0, self.Y[:, 1] >= 0
        implied = np.where(a, np.where(v, 1, 2), np.where(v, 4, 3))
        self.qall = np.where(self.q4, self.qt, implied)

    def feats(self, spec):
        parts = []
        for item in spec.split("+"):
            model, kind = item.split(":")
            key = {"msd": "msd_musicnn", "mtt": "mtt_musicnn"}[model]
            for k in kind.split(","):
                parts.append(np.array([r[f"{key}_{k}"] for r in self.rows], dtype=float))
        return np.hstack(parts)


def quadrant_of(P):
    return np.where(P[:, 0] >= 0, np.where(P[:, 1] >= 0, 1, 2), np.where(P[:, 1] >= 0, 4, 3))


def pearson(a, b):
    return float(np.corrcoef(a, b)[0, 1])


def standardise(Xtr, Xte):
    mu, sd = Xtr.mean(0), Xtr.std(0)
    sd[sd < 1e-8] = 1
    return (Xtr - mu) / sd, (Xte - mu) / sd


# ---------------------------------------------------------------------------------------------
# regression heads: fit(Xtr, Ytr, Gtr, weak_tr, params) -> predict(Xte) -> [n, 2]


def ridge_dual_fit(X, Y, w, g, lam, zero=1):
    """ridge_head.fit in the dual when features outnumber rows (same solution)."""
    if X.shape[1] <= X.shape[0]:
        return grouped_ridge_fit(X, Y, w, g, lam, zero)
    Xc, Yc, mx, my = X.copy(), Y.copy(), {}, {}
    for k in np.unique(g):
        s = g == k
        ww = w[s] / w[s].sum()
        mx[k], my[k] = ww @ X[s], ww @ Y[s]
        Xc[s] -= mx[k]
        Yc[s] -= my[k]
    # W = X^T D (X X^T D + lam I)^-1 Y
    K = Xc @ Xc.T
    A = K * w[None, :] + lam * np.eye(len(X))
    W = (Xc * w[:, None]).T @ np.linalg.solve(A, Yc)
    return W, my[zero] - mx[zero] @ W


def head_ridge(Xtr, Ytr, Gtr, wk, Xte, lam, wq):
    Xs, Xt = standardise(Xtr, Xte)
    W, b = ridge_dual_fit(Xs, Ytr, np.where(wk, wq, 1.0), Gtr, lam)
    return Xt @ W + b


def centred(Ytr, Gtr, w):
    Yc, mean4q = Ytr.copy(), np.zeros(2)
    for k in np.unique(Gtr):
        s = Gtr == k
        m = (w[s] / w[s].sum()) @ Ytr[s]
        Yc[s] -= m
        if k == 1:
            mean4q = m
    return Yc, mean4q


def head_krr(Xtr, Ytr, Gtr, wk, Xte, alpha, g, wq):
    Xs, Xt = standardise(Xtr, Xte)
    w = np.where(wk, wq, 1.0)
    Yc, m4 = centred(Ytr, Gtr, w)
    m = KernelRidge(alpha=alpha, kernel="rbf", gamma=g / Xs.shape[1]).fit(Xs, Yc, sample_weight=w)
    return m.predict(Xt) + m4


def head_svr(Xtr, Ytr, Gtr, wk, Xte, C, g, wq):
    Xs, Xt = standardise(Xtr, Xte)
    w = np.where(wk, wq, 1.0)
    Yc, m4 = centred(Ytr, Gtr, w)
    out = np.zeros((len(Xt), 2))
    for j in range(2):
        m = SVR(C=C, gamma=g / Xs.shape[1], epsilon=0.1).fit(Xs, Yc[:, j], sample_weight=w)
        out[:, j] = m.predict(Xt) + m4[j]
    return out


REG_HEADS = {
    "ridge@300": (head_ridge, [dict(lam=300, wq=0.25)]),
    "ridge": (head_ridge, [dict(lam=l, wq=q) for l, q in product([30, 100, 300, 1000, 3000, 10000, 30000], [0.1, 0.25, 0.5])]),
    "krr-rbf": (head_krr, [dict(alpha=a, g=g, wq=q) for a, g, q in product([0.3, 1, 3], [0.25, 0.5], [0.25, 0.5])]),
    "svr-rbf": (head_svr, [dict(C=c, g=g, wq=q) for c, g, q in product([1, 3], [0.5], [0.25, 0.5])]),
}

# ---------------------------------------------------------------------------------------------
# quadrant classifiers: fit(Xtr, qtr, wtr, params) -> log-probabilities [n, 4] of Xte


def clf_logistic(Xtr, qtr, wtr, Xte, C):
    Xs, Xt = standardise(Xtr, Xte)
    m = LogisticRegression(C=C, max_iter=3000).fit(Xs, qtr, sample_weight=wtr)
    return log_softmax(m.decision_function(Xt), axis=1)


def clf_svc(Xtr, qtr, wtr, Xte, C, g):
    Xs, Xt = standardise(Xtr, Xte)
    m = SVC(C=C, gamma=g / Xs.shape[1], decision_function_shape="ovr").fit(Xs, qtr, sample_weight=wtr)
    return m.decision_function(Xt)  # one-vs-rest scores as logits; temperature-scaled by the search


CLF_HEADS = {
    "logistic": (clf_logistic, [dict(C=c, wm=wm) for c, wm in product([0.001, 0.003, 0.01, 0.03, 0.1], [0.0, 0.5])]),
    "svc-rbf": (clf_svc, [dict(C=c, g=g, wm=0.0) for c, g in product([1, 3, 10], [0.5, 1])]),
}


def fit_temperature(L, y):
    """T minimising the log loss of softmax(L / T) for labels y in 1..4."""
    def nll(logT):
        lp = log_softmax(L / np.exp(logT), axis=1)
        return -lp[np.arange(len(y)), y - 1].mean()
    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def ece_table(prob, y, bins=10):
    conf, pred = prob.max(1), prob.argmax(1) + 1
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        s = (conf > lo) & (conf <= hi)
        if s.any():
            acc, c = (pred[s] == y[s]).mean(), conf[s].mean()
            ece += s.mean() * abs(acc - c)
            table.append((lo, hi, int(s.sum()), c, acc))
    return ece, table


# ---------------------------------------------------------------------------------------------
# the protocol


class Study:
    def __init__(self, d):
        self.d = d
        self.dev = ~d.hold

    # -- regression
    def reg_score(self, P, idx):
        d = self.d
        mf, q4 = idx & d.mf, idx & d.q4
        ra, rv = pearson(P[mf, 0], d.Y[mf, 0]), pearson(P[mf, 1], d.Y[mf, 1])
        acc = (quadrant_of(P[q4]) == d.qt[q4]).mean()
        return ra + rv + acc

    def reg_fit_predict(self, X, head, params, tr, te):
        d = self.d
        return head(X[tr], d.Y[tr], d.G[tr], d.weak[tr], X[te], **params)

    def reg_search(self, X, name, train_idx):
        """Best params of REG_HEADS[name] by leave-one-fold-out over the folds in train_idx."""
        head, grid = REG_HEADS[name]
        if len(grid) == 1:
            return grid[0]
        folds = sorted(set(self.d.fold[train_idx]))
        best = None
        for p in grid:
            P = np.zeros_like(self.d.Y)
            for k in folds:
                te = train_idx & (self.d.fold == k)
                P[te] = self.reg_fit_predict(X, head, p, train_idx & ~te, te)
            s = self.reg_score(P, train_idx)
            if best is None or s > best[0]:
                best = (s, p)
        return best[1]

    def reg_run(self, X, name):
        """(pooled nested-CV predictions on dev, holdout predictions, chosen params per fit)."""
        d, head = self.d, REG_HEADS[name][0]
        P = np.full_like(d.Y, np.nan)
        chosen = []
        for k in range(5):
            tr, te = self.dev & (d.fold != k), self.dev & (d.fold == k)
            p = self.reg_search(X, name, tr)
            chosen.append(p)
            P[te] = self.reg_fit_predict(X, head, p, tr, te)
        p = self.reg_search(X, name, self.dev)
        chosen.append(p)
        P[d.hold] = self.reg_fit_predict(X, head, p, self.dev, d.hold)
        return P, chosen

    # -- classifiers
    def clf_fit_predict(self, X, head, params, tr, te):
        d = self.d
        p = dict(params)
        wm = p.pop("wm")
        use = tr & (d.q4 | (d.mf if wm > 0 else False))
        w = np.where(d.q4[use], 1.0, wm)
        return head(X[use], d.qall[use], w, X[te], **p)

    def clf_search(self, X, name, train_idx):
        head, grid = CLF_HEADS[name]
        folds = sorted(set(self.d.fold[train_idx]))
        q4 = train_idx & self.d.q4
        best = None
        for p in grid:
            L = np.zeros((len(self.d.Y), 4))
            for k in folds:
                te = train_idx & (self.d.fold == k)
                L[te & self.d.q4] = self.clf_fit_predict(X, head, p, train_idx & ~te, te & self.d.q4)
            y = self.d.qt[q4]
            acc = (L[q4].argmax(1) + 1 == y).mean()
            nll = -L[q4][np.arange(q4.sum()), y - 1].mean()
            if best is None or (acc, -nll) > (best[0], -best[1]):
                best = (acc, nll, p, L[q4], y)
        T = fit_temperature(best[3], best[4])
        return best[2], T

    def clf_run(self, X, name, rows_idx):
        """Nested-CV log-probabilities (temperature-scaled) for every dev row of rows_idx and
        holdout rows; chosen params."""
        d, head = self.d, CLF_HEADS[name][0]
        L = np.full((len(d.Y), 4), np.nan)
        chosen = []
        for k in range(5):
            tr, te = self.dev & (d.fold != k), self.dev & (d.fold == k) & rows_idx
            p, T = self.clf_search(X, name, tr)
            chosen.append((p, round(T, 3)))
            L[te] = log_softmax(self.clf_fit_predict(X, head, p, tr, te) / T, axis=1)
        p, T = self.clf_search(X, name, self.dev)
        chosen.append((p, round(T, 3)))
        te = d.hold & rows_idx
        L[te] = log_softmax(self.clf_fit_predict(X, head, p, self.dev, te) / T, axis=1)
        return L, chosen


def project(P, q):
    """Projects each (A, V) onto quadrant q (1..4): a disagreeing output becomes +-EPS."""
    sa = np.array([SIGN[int(k)][0] for k in q])
    sv = np.array([SIGN[int(k)][1] for k in q])
    out = P.copy()
    out[:, 0] = np.where(np.sign(P[:, 0] + (P[:, 0] == 0)) == sa, P[:, 0], sa * EPS)
    out[:, 1] = np.where(np.sign(P[:, 1] + (P[:, 1] == 0)) == sv, P[:, 1], sv * EPS)
    return out


def metrics(d, P, idx, L=None):
    """dict of MUSIFEAST r A/V, 4Q acc, sign accuracies, (ECE) on rows idx."""
    mf, q4 = idx & d.mf, idx & d.q4
    out = {}
    if L is not None:
        qp = L.argmax(1) + 1
        P = project(P, np.where(np.isnan(qp) | (L[:, 0] != L[:, 0]), quadrant_of(P), qp)) if P is not None else None
        prob = np.exp(L[q4])
        out["acc"] = (prob.argmax(1) + 1 == d.qt[q4]).mean()
        out["ece"], _ = ece_table(prob, d.qt[q4])
        qp4 = prob.argmax(1) + 1
        out["sa"] = (np.isin(qp4, [1, 2]) == np.isin(d.qt[q4], [1, 2])).mean()
        out["sv"] = (np.isin(qp4, [1, 4]) == np.isin(d.qt[q4], [1, 4])).mean()
    if P is not None:
        out["ra"], out["rv"] = pearson(P[mf, 0], d.Y[mf, 0]), pearson(P[mf, 1], d.Y[mf, 1])
        if L is None:
            out["acc"] = (quadrant_of(P[q4]) == d.qt[q4]).mean()
            out["sa"] = ((P[q4, 0] >= 0) == np.isin(d.qt[q4], [1, 2])).mean()
            out["sv"] = ((P[q4, 1] >= 0) == np.isin(d.qt[q4], [1, 4])).mean()
    return out


def fmt(m):
    g = lambda k: f"{m[k]:.3f}" if k in m else "—"
    return f"{g('ra')} | {g('rv')} | {g('acc')} | {g('sv')} | {g('ece')}"


REG_ROWS = [
    ("msd:mean", "ridge@300"),
    ("msd:mean", "ridge"),
    ("msd:mean,std", "ridge"),
    ("mtt:mean", "ridge"),
    ("mtt:mean,std", "ridge"),
    ("msd:mean+mtt:mean", "ridge"),
    ("msd:mean,std+mtt:mean,std", "ridge"),
    ("msd:mean", "krr-rbf"),
    ("msd:mean,std", "krr-rbf"),
    ("mtt:mean,std", "krr-rbf"),
    ("msd:mean,std+mtt:mean,std", "krr-rbf"),
    ("msd:mean,std", "svr-rbf"),
    ("msd:mean,std+mtt:mean,std", "svr-rbf"),
]

CLF_ROWS = [
    ("msd:mean", "logistic"),
    ("msd:mean,std", "logistic"),
    ("mtt:mean,std", "logistic"),
    ("mtt:mean", "logistic"),
    ("msd:mean+mtt:mean", "logistic"),
    ("msd:mean,std+mtt:mean,std", "logistic"),
    ("msd:mean", "svc-rbf"),
    ("msd:mean,std", "svc-rbf"),
    ("msd:mean,std+mtt:mean,std", "svc-rbf"),
]


def main():
    rows, hold = load(sys.argv[1].split(","), sys.argv[2])
    # optional row filter: a substring of "FEATURES HEAD", or exact "FEATURES HEAD" rows joined by ";"
    filt = sys.argv[3] if len(sys.argv) > 3 else ""
    keep = (lambda name: name in filt.split(";")) if ";" in filt else (lambda name: filt in name)
    d = Data(rows, hold)
    st = Study(d)
    dev = ~hold
    print(f"{len(rows)} clips: dev {dev.sum()} (MUSIFEAST {(dev & d.mf).sum()}, 4Q {(dev & d.q4).sum()}), "
          f"holdout {hold.sum()} (MUSIFEAST {(hold & d.mf).sum()}, 4Q {(hold & d.q4).sum()})")
    print("| features | head | nested CV: r A | r V | 4Q acc | V sign | ECE | holdout: r A | r V | 4Q acc | V sign | ECE | chosen (outer folds; holdout fit) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    reg_preds, clf_preds = {}, {}
    for feat, head in REG_ROWS:
        if filt and not keep(f"{feat} {head}"):
            continue
        t = time.time()
        try:
            X = d.feats(feat)
        except KeyError:
            continue
        P, chosen = st.reg_run(X, head)
        reg_preds[(feat, head)] = P
        ch = "; ".join(",".join(f"{k}={v:g}" for k, v in p.items()) for p in chosen)
        print(f"| {feat} ({X.shape[1]}) | {head} | {fmt(metrics(d, P, dev))} | {fmt(metrics(d, P, hold))} | {ch} ({time.time() - t:.0f} s) |", flush=True)
    for feat, head in CLF_ROWS:
        if filt and not keep(f"{feat} {head}"):
            continue
        t = time.time()
        try:
            X = d.feats(feat)
        except KeyError:
            continue
        L, chosen = st.clf_run(X, head, d.q4 | d.mf)
        clf_preds[(feat, head)] = L
        ch = "; ".join(",".join(f"{k}={v:g}" for k, v in p.items()) + f",T={T:g}" for p, T in chosen)
        print(f"| {feat} ({X.shape[1]}) | {head} (quadrant) | {fmt(metrics(d, None, dev, L))} | {fmt(metrics(d, None, hold, L))} | {ch} ({time.time() - t:.0f} s) |", flush=True)
    # combined systems: every regression head x every classifier (A/V projected onto the quadrant)
    if reg_preds and clf_preds:
        print("\nCombined (A/V of the regression head projected onto the classifier's quadrant):")
        print("| regression | classifier | nested CV: r A | r V | 4Q acc | V sign | ECE | holdout: r A | r V | 4Q acc | V sign | ECE |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for (rf, rh), P in reg_preds.items():
            for (cf, ch_), L in clf_preds.items():
                print(f"| {rf} {rh} | {cf} {ch_} | {fmt(metrics(d, P, dev, L))} | {fmt(metrics(d, P, hold, L))} |", flush=True)
        # reliability tables of every classifier (nested CV, 4Q dev)
        for (cf, ch_), L in clf_preds.items():
            for name, idx in [("nested CV", dev), ("holdout", hold)]:
                q4 = idx & d.q4
                ece, table = ece_table(np.exp(L[q4]), d.qt[q4])
                print(f"\nReliability, {cf} {ch_}, {name} (4Q, {q4.sum()} clips): ECE {ece:.3f}")
                print("| confidence bin | clips | mean confidence | accuracy |")
                print("|---|---|---|---|")
                for lo, hi, n, c, a in table:
                    print(f"| ({lo:.1f}, {hi:.1f}] | {n} | {c:.3f} | {a:.3f} |")
    # exploratory (NOT nested: tau read off these pooled outputs): a confidence threshold for the
    # classifier — quadrant (and projection) from the classifier only where its confidence >= tau,
    # else the regression's own signs (consistent by construction)
    key_r, key_c = ("msd:mean", "ridge@300"), ("msd:mean", "logistic")
    if key_r in reg_preds and key_c in clf_preds:
        P, L = reg_preds[key_r], clf_preds[key_c]
        conf = np.exp(np.nan_to_num(L, nan=-np.inf)).max(1)
        print("\nThreshold rule (exploratory, not nested), default ridge + logistic:")
        print("| tau | nested CV: r A | r V | 4Q acc | V sign | holdout: r A | r V | 4Q acc | V sign |")
        print("|---|---|---|---|---|---|---|---|---|")
        for tau in [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]:
            use = (conf >= tau) & ~np.isnan(L[:, 0])
            q = np.where(use, np.nan_to_num(L, nan=0).argmax(1) + 1, quadrant_of(P))
            Pp = project(P, q)
            cells = []
            for idx in (dev, hold):
                mf, q4 = idx & d.mf, idx & d.q4
                cells += [pearson(Pp[mf, 0], d.Y[mf, 0]), pearson(Pp[mf, 1], d.Y[mf, 1]),
                          (q[q4] == d.qt[q4]).mean(),
                          (np.isin(q[q4], [1, 4]) == np.isin(d.qt[q4], [1, 4])).mean()]
            print(f"| {tau:g} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    np.savez("study_preds.npz", ids=np.array([r["id"] for r in rows]),
             **{f"reg|{k[0]}|{k[1]}": v for k, v in reg_preds.items()},
             **{f"clf|{k[0]}|{k[1]}": v for k, v in clf_preds.items()})


if __name__ == "__main__":
    main()
