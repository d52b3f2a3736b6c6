"""Two ingredients of issue 6 measured on the shipped ridge head (ridge_head.py: same folds,
targets and weights as REPORT.md):

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

from ridge_head import Folds

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
cv = Folds(rows).cv
PEN = np.array([r["musicnn_mean"] for r in rows])
PEN_RE = np.array([reenc[r["id"]]["musicnn_mean"] for r in rows])


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
