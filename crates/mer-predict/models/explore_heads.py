"""Linear heads on other musicnn layers, same folds and targets as the shipped ridge (REPORT.md).

Inputs (JSON Lines, one row per shared clip):
  WITH_MUSICNN=1 cargo run --release -p mer-predict --example dump_clip_features -- ../shared/data CACHE > clips.jsonl
  cargo run --release -p mer-predict --example dump_pooled -- ../shared/data > pooled.jsonl
Run: python3 explore_heads.py clips.jsonl pooled.jsonl   (needs numpy)

The head and scores are those of ridge_head.py (the shipped head re-written in numpy).
"""
import json
import sys

import numpy as np

from ridge_head import Folds

clips_path, pooled_path = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(clips_path)]
extra = {d["id"]: d for d in map(json.loads, open(pooled_path))}
rows = [r for r in rows if r["id"] in extra]
cv = Folds(rows).cv

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
