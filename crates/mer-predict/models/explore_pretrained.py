"""Ridge heads on the clip features of musicnn 0.1.0's four pretrained models, alone and
combined, in the 5-fold CV by song of ridge_head.py (fold = fnv1a64(id) mod 5).

NOT nested: lambda is picked on the same folds that report the scores (the best of a small grid
is marked), so every number here is optimistic; the quality decision is to be re-run through the
nested-CV + internal-holdout protocol.

Inputs: JSON Lines of `dump_pretrained` (one or more files, merged by clip id), e.g.
  cargo run --release -p mer-predict --example dump_pretrained -- ../shared/data MSD_musicnn MTT_musicnn > musicnn.jsonl
  cargo run --release -p mer-predict --example dump_pretrained -- ../shared/data MSD_vgg MTT_vgg > vgg.jsonl
Run: python3 explore_pretrained.py musicnn.jsonl vgg.jsonl   (needs numpy)
"""
import io
import json
import sys
from contextlib import redirect_stdout

import numpy as np

from ridge_head import Folds

MODELS = ["msd_musicnn", "mtt_musicnn", "msd_vgg", "mtt_vgg"]
LAMBDAS = [30, 100, 300, 1000, 3000, 10000]

rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        rows.setdefault(r["id"], {}).update(r)
have = [m for m in MODELS if all(f"{m}_mean" in r for r in rows.values())]
rows = sorted(rows.values(), key=lambda r: r["id"])
folds = Folds(rows)
print(f"{len(rows)} clips; models: {have}")


def feats(models, parts):
    return np.hstack([np.array([r[f"{m}_{p}"] for r in rows]) for m in models for p in parts])


def row(name, X):
    """Every lambda of the grid; the best by A r + V r + 4Q accuracy is marked (non-nested)."""
    results = []
    for lam in LAMBDAS:
        with redirect_stdout(io.StringIO()):
            P = folds.cv(name, X, lam, 0.25)
        results.append((lam, folds.metrics(P)))
    best = max(results, key=lambda t: t[1][0] + t[1][1] + t[1][2])
    for lam, (ra, rv, acc, sa, sv) in results:
        mark = " <- best (same folds)" if lam == best[0] else ""
        print(f"  {name:44s} dim {X.shape[1]:5d} λ {lam:6g}: A {ra:.3f} V {rv:.3f} 4Q {acc:.3f} "
              f"(sign A {sa:.3f}, sign V {sv:.3f}){mark}")
    lam, (ra, rv, acc, sa, sv) = best
    return f"| {name} | {X.shape[1]} | {lam:g} | {ra:.3f} | {rv:.3f} | {acc:.3f} | {sv:.3f} |"


table = []
combos = [[m] for m in have]
if {"msd_musicnn", "mtt_musicnn"} <= set(have):
    combos.append(["msd_musicnn", "mtt_musicnn"])
if {"msd_vgg", "mtt_vgg"} <= set(have):
    combos.append(["msd_vgg", "mtt_vgg"])
if len(have) == 4:
    combos.append(have)
for models in combos:
    name = " + ".join(models)
    print(name)
    table.append(row(f"{name}: mean", feats(models, ["mean"])))
    table.append(row(f"{name}: mean + std", feats(models, ["mean", "std"])))
    table.append(row(f"{name}: mean + std + tags", feats(models, ["mean", "std", "tags"])))
    table.append(row(f"{name}: tags", feats(models, ["tags"])))
print("\n| features | dim | λ (best, same folds) | MUSIFEAST A r | V r | 4Q acc | 4Q valence sign |")
print("|---|---|---|---|---|---|---|")
print("\n".join(table))
