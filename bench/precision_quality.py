"""Labels beside the precision_quality example's CSV: 4Q accuracy (quadrant of the static answer
vs the clip's quadrant) and MUSIFEAST-17 Pearson r (static arousal/valence vs the listeners'
means) of the f32 and of the other precision's answers, and their differences.

Usage: python3 bench/precision_quality.py DATA CSV
(CSV from `target/release/examples/precision_quality FILE... > CSV`). The default model was
trained on these sets, so the absolute numbers are training-set numbers; what this checks is
that the reduced precision leaves them unchanged (issue 18: within 0.005).
"""
import csv
import math
import os
import sys

data, path = sys.argv[1], sys.argv[2]
quadrant = {}
with open(os.path.join(data, "4q/panda_dataset_taffc_annotations.csv")) as f:
    for row in csv.DictReader(f):
        quadrant[row["Song"]] = int(row["Quadrant"][1])
musifeast = {}
with open(os.path.join(data, "musifeast17/MUSIFEAST17_all.csv")) as f:
    for row in csv.DictReader(f):
        musifeast[row["CLIP_NAME"]] = ((float(row["arousal_M"]) - 3) / 2, (float(row["valence_M"]) - 3) / 2)

rows = list(csv.reader(open(path)))
header, rows = rows[0], rows[1:]
other = header[3].split("_", 1)[1]


def quad(a, v):
    return (1 if v >= 0 else 2) if a >= 0 else (4 if v >= 0 else 3)


def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy)


fourq = {"f32": [], other: []}
mf = {"f32": ([], [], [], []), other: ([], [], [], [])}
for r in rows:
    name = os.path.splitext(os.path.basename(r[0]))[0]
    vals = {"f32": (float(r[1]), float(r[2])), other: (float(r[3]), float(r[4]))}
    for k, (a, v) in vals.items():
        if name in quadrant:
            fourq[k].append(quad(a, v) == quadrant[name])
        if name in musifeast:
            la, lv = musifeast[name]
            mf[k][0].append(a)
            mf[k][1].append(la)
            mf[k][2].append(v)
            mf[k][3].append(lv)
print(f"{len(rows)} clips; {len(fourq['f32'])} of 4Q, {len(mf['f32'][0])} of MUSIFEAST-17")
res = {}
for k in ["f32", other]:
    acc = sum(fourq[k]) / len(fourq[k]) if fourq[k] else float("nan")
    ra = pearson(mf[k][0], mf[k][1]) if len(mf[k][0]) > 2 else float("nan")
    rv = pearson(mf[k][2], mf[k][3]) if len(mf[k][2]) > 2 else float("nan")
    res[k] = (acc, ra, rv)
    print(f"{k:>5}: 4Q accuracy {acc:.4f}  MUSIFEAST arousal r {ra:.4f}  valence r {rv:.4f}")
d = [abs(a - b) for a, b in zip(res["f32"], res[other])]
print(f"|diff|: 4Q accuracy {d[0]:.4f}  arousal r {d[1]:.4f}  valence r {d[2]:.4f}  (gate 0.005)")
