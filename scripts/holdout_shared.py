#!/usr/bin/env python3
"""Write experiments/holdout-shared.txt: the fixed internal holdout of the shared data (issue 17).

Rule (never changes; nothing in the holdout may be used for any model choice):
  * 4Q (../shared/data/4q): strata = the quadrant (panda_dataset_taffc_annotations.csv),
    clip id = the `Song` column (= audio file stem, e.g. MT0000040632).
  * MUSIFEAST-17 (../shared/data/musifeast17): strata = genre + level, i.e. the clip id
    (`CLIP_NAME` = audio file stem, e.g. 60s_HIGH_01) without its trailing `_NN` number
    (e.g. `60s_HIGH`; 51 strata of 3-7 clips).
  * Within each stratum sort the clip ids by the hex sha256 of the UTF-8 id string (ties, which
    do not occur, by id) and take the first round(0.2 n) of them, rounding halves up
    (floor(0.2 n + 0.5)).
  * Output lines `dataset/clip_id` with dataset = `4q` or `musifeast` (the corpus short names
    of mer-predict's `training::CORPORA`, so a line is exactly the clip id `SharedData` and
    `fold_of` use, e.g. `musifeast/60s_HIGH_01`), sorted; `#` lines are comments.

Only the label CSVs are read (stdlib only). Run from the repository root:
  python3 scripts/holdout_shared.py [DATA_DIR (default $MER_DATA, else ../shared/data)] [OUT (default
  experiments/holdout-shared.txt)]
"""
import csv
import hashlib
import math
import os
import pathlib
import sys
from collections import defaultdict

FRACTION = 0.2


def key(clip_id):
    return (hashlib.sha256(clip_id.encode("utf-8")).hexdigest(), clip_id)


def take(strata):
    out = []
    for name in sorted(strata):
        ids = sorted(set(strata[name]), key=key)
        k = math.floor(FRACTION * len(ids) + 0.5)
        out.extend(ids[:k])
    return out


def main():
    data = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MER_DATA", "../shared/data"))
    out_path = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "experiments/holdout-shared.txt")

    fourq = defaultdict(list)
    with open(data / "4q" / "panda_dataset_taffc_annotations.csv", newline="") as f:
        for row in csv.DictReader(f):
            fourq[row["Quadrant"].strip()].append(row["Song"].strip())
    musi = defaultdict(list)
    with open(data / "musifeast17" / "MUSIFEAST17_all.csv", newline="") as f:
        for row in csv.DictReader(f):
            clip = row["CLIP_NAME"].strip()
            stem, _, num = clip.rpartition("_")
            if not stem or not num.isdigit():
                sys.exit(f"{data / 'musifeast17' / 'MUSIFEAST17_all.csv'}: clip name {clip!r} is not GENRE_LEVEL_NN")
            musi[stem].append(clip)

    n4, nm = sum(len(v) for v in fourq.values()), sum(len(v) for v in musi.values())
    lines = sorted([f"4q/{c}" for c in take(fourq)] + [f"musifeast/{c}" for c in take(musi)])
    h4 = sum(1 for l in lines if l.startswith("4q/"))
    hm = len(lines) - h4
    header = [
        "# Internal holdout of ../shared/data (issue 17): never used for any model choice.",
        "# Made by scripts/holdout_shared.py (rule in its docstring): 20 % per stratum, strata =",
        "# 4Q quadrant / MUSIFEAST-17 genre+level (clip id without its _NN); within a stratum clip ids",
        "# sorted by hex sha256 of the id string, first floor(0.2 n + 0.5) taken.",
        f"# 4q: {h4} of {n4} clips ({len(fourq)} strata); musifeast (MUSIFEAST-17): {hm} of {nm} clips ({len(musi)} strata).",
        "# Lines: dataset/clip_id, the ids of mer-predict's SharedData (dataset = 4q | musifeast).",
    ]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("\n".join(header + lines) + "\n")
    print(f"wrote {out_path}: 4q {h4}/{n4}, musifeast {hm}/{nm}")


if __name__ == "__main__":
    main()
