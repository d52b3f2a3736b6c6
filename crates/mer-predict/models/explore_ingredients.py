"""Two ingredients of issue 6 measured on the shipped ridge head (same folds, targets and
weights as REPORT.md; the head re-written in numpy as in explore_heads.py):

1. openSMILE descriptors: clip means of `mer features --kind mediaeval260` (our MediaEval 2015
   baseline set, 260 values per 0.5 s, 44.1 kHz) alone and beside the musicnn embeddings.
2. Codec augmentation: every training clip also enters as its 22.05 kHz mono 56 kbit/s LAME
   re-encode (same labels); tested on the original clips and on their re-encodes.

Inputs:
  clips.jsonl        dump_clip_features on ../shared/data (WITH_MUSICNN=1)
  clips_reenc.jsonl  dump_clip_features on a copy of ../shared/data whose MP3s are re-encoded
                     (`lame -m m --resample 22.05 -b 56`, label files copied unchanged)
  SMILE_DIR          mer features --kind mediaeval260 --rate 2hz -o SMILE_DIR/<corpus folder> <its audio>
Run: python3 explore_ingredients.py clips.jsonl clips_reenc.jsonl SMILE_DIR   (needs numpy)
"""
import json
import os
import sys

import numpy as np

clean = [json.loads(l) for l in open(sys.argv[1])]
reenc = {r["id"]: r for r in map(json.loads, open(sys.argv[2]))}
smile_dir = sys.argv[3]
FOLDER = {"musifeast": "musifeast17", "4q": "4q", "deam": "deam-sample", "pmemo": "pmemo-sample"}


def smile_mean(cid):
    ds, stem = cid.split("/", 1)
    base = os.path.join(smile_dir, FOLDER[ds])
    for root, _, files in os.walk(base):
        if stem + ".npy" in files:
            return np.load(os.path.join(root, stem + ".npy")).mean(0)
    return None


rows = [r for r in clean if r["id"] in reenc]
SM = [smile_mean(r["id"]) for r in rows]
keep = [i for i, s in enumerate(SM) if s is not None and np.all(np.isfinite(s))]
rows = [rows[i] for i in keep]
SM = np.array([SM[i] for i in keep])
print(f"{len(rows)} clips with embeddings, re-encodes and openSMILE features")
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
PEN = np.array([r["musicnn_mean"] for r in rows])
PEN_RE = np.array([reenc[r["id"]]["musicnn_mean"] for r in rows])


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


def scores(P):
    ra = np.corrcoef(P[mf, 0], Y[mf, 0])[0, 1]
    rv = np.corrcoef(P[mf, 1], Y[mf, 1])[0, 1]
    qp = np.where(P[:, 0] >= 0, np.where(P[:, 1] >= 0, 1, 2), np.where(P[:, 1] >= 0, 4, 3))
    return f"A {ra:.3f} V {rv:.3f} 4Q {(qp[q4] == qt[q4]).mean():.3f}"


def cv(name, X, lam=300, wq=0.25, X_aug=None, X_test=None):
    """X: training features; X_aug: extra training copies (same labels); X_test: test features."""
    X_test = X if X_test is None else X_test
    P = np.zeros_like(Y)
    w = np.where(weak, wq, 1.0)
    for k in range(5):
        tr, te = fold != k, fold == k
        Xtr, Ytr, wtr, gtr = X[tr], Y[tr], w[tr], G[tr]
        if X_aug is not None:
            Xtr = np.vstack([Xtr, X_aug[tr]])
            Ytr, wtr, gtr = np.vstack([Ytr, Ytr]), np.concatenate([wtr, wtr]), np.concatenate([gtr, gtr])
        mu, sd = Xtr.mean(0), Xtr.std(0)
        sd[sd < 1e-8] = 1
        W, b = fit((Xtr - mu) / sd, Ytr, wtr, gtr, lam)
        P[te] = ((X_test[te] - mu) / sd) @ W + b
    print(f"{name:58s} λ {lam:5g} wq {wq:g}: {scores(P)}", flush=True)
    return P


print("1. openSMILE (mediaeval260 clip means)")
cv("musicnn (the default's head, unsmoothed)", PEN)
for lam in [30, 100, 300]:
    cv("mediaeval260 alone", SM, lam)
for lam in [300, 1000]:
    cv("musicnn + mediaeval260", np.hstack([PEN, SM]), lam)
print("2. codec augmentation (musicnn)")
base_clean = cv("train originals, test originals", PEN)
base_re = cv("train originals, test re-encodes", PEN, X_test=PEN_RE)
aug_clean = cv("train originals + re-encodes, test originals", PEN, X_aug=PEN_RE)
aug_re = cv("train originals + re-encodes, test re-encodes", PEN, X_aug=PEN_RE, X_test=PEN_RE)
for name, a, b in [("without augmentation", base_clean, base_re), ("with augmentation", aug_clean, aug_re)]:
    d = np.abs(a - b).mean(0)
    r = [np.corrcoef(a[:, j], b[:, j])[0, 1] for j in range(2)]
    print(f"  originals vs re-encodes {name}: clip-level r A {r[0]:.3f} V {r[1]:.3f}, "
          f"mean |diff| A {d[0]:.3f} V {d[1]:.3f}")
