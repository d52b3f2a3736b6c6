#!/usr/bin/env python3
"""Reference values for mer-model's metrics (crates/mer-model/tests/metrics_ref.rs).

Computed independently with numpy (np.corrcoef, np.cov, np.add.at); writes
crates/mer-model/tests/fixtures/metrics_ref.json holding the random inputs and the expected
outputs. Run: bash scripts/model_torch_venv.sh && scripts/.venv-torch/bin/python scripts/model_metrics_ref.py
(pinned numpy 2.2.6 in that venv).
"""
import json
import pathlib

import numpy as np

rng = np.random.default_rng(20170601)
out = {}

# Dynamic: 7 songs of varied length; one constant truth series (r undefined -> skipped).
songs = []
for i, n in enumerate([60, 45, 60, 30, 12, 60, 25]):
    t = np.clip(np.cumsum(rng.normal(0, 0.05, n)) + rng.normal(0, 0.2), -1, 1)
    if i == 4:
        t = np.full(n, 0.3)
    p = 0.6 * t + rng.normal(0, 0.1, n) + 0.05
    songs.append((p, t))


def ccc(x, y):
    c = np.cov(x, y, bias=True)
    return 2 * c[0, 1] / (c[0, 0] + c[1, 1] + (x.mean() - y.mean()) ** 2)


rm = np.array([np.sqrt(np.mean((p - t) ** 2)) for p, t in songs])
rr = np.array([np.corrcoef(p, t)[0, 1] if np.std(t) > 0 else np.nan for p, t in songs])
cc = np.array([ccc(p, t) for p, t in songs])
P = np.concatenate([p for p, _ in songs])
T = np.concatenate([t for _, t in songs])
ok = ~np.isnan(rr)
out["dynamic"] = {
    "songs": [{"pred": p.tolist(), "truth": t.tolist()} for p, t in songs],
    "rmse_mean": rm.mean(), "rmse_std": rm.std(),
    "r_mean": rr[ok].mean(), "r_std": rr[ok].std(), "r_n": int(ok.sum()),
    "ccc_mean": cc.mean(), "ccc_std": cc.std(),
    "rmse_pooled": float(np.sqrt(np.mean((P - T) ** 2))),
    "r_pooled": float(np.corrcoef(P, T)[0, 1]),
    "ccc_pooled": float(ccc(P, T)),
}

# Static.
t = rng.uniform(-1, 1, 40)
p = 0.5 * t + rng.normal(0, 0.2, 40)
out["static"] = {
    "pred": p.tolist(), "truth": t.tolist(),
    "r": float(np.corrcoef(p, t)[0, 1]),
    "rmse": float(np.sqrt(np.mean((p - t) ** 2))),
    "r2": float(1 - np.sum((p - t) ** 2) / np.sum((t - t.mean()) ** 2)),
    "ccc": float(ccc(p, t)),
}

# Quadrants.
qt = rng.integers(1, 5, 50)
qp = np.where(rng.uniform(size=50) < 0.6, qt, rng.integers(1, 5, 50))
conf = np.zeros((4, 4), dtype=int)
np.add.at(conf, (qt - 1, qp - 1), 1)
tp = np.diag(conf)
f1 = np.where(conf.sum(0) + conf.sum(1) > 0, 2 * tp / np.maximum(conf.sum(0) + conf.sum(1), 1), 0)
out["quadrant"] = {
    "truth": qt.tolist(), "pred": qp.tolist(),
    "accuracy": float(np.mean(qt == qp)), "macro_f1": float(f1.mean()),
    "confusion": conf.tolist(),
}

path = pathlib.Path(__file__).resolve().parent.parent / "crates/mer-model/tests/fixtures/metrics_ref.json"
path.write_text(json.dumps(out, indent=1))
print("wrote", path)
