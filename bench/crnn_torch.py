#!/usr/bin/env python3
"""PyTorch twin of `mer bench`'s network (crates/mer-model/src/bench.rs), for speed comparison.

conv 3x3 (F filters, 'same' padding) over (time x 40 mel) -> BatchNorm2d -> ReLU
-> MaxPool (1 x 5) over frequency -> Dropout(0.25) -> per branch: 2 GRU layers of H units
-> Linear per frame. crnn: two branches (1 output each); crnn-nb: one branch, 2 outputs.
Prints the same JSON as `mer bench`: train_step_ms (median of forward+MSE+backward+Adam),
infer_frames_per_s (eval mode, no grad), params. Run with scripts/.venv-torch/bin/python.
"""
import argparse
import json
import time

import torch
from torch import nn


class Branch(nn.Module):
    def __init__(self, d_in, hidden, layers, outputs):
        super().__init__()
        self.gru = nn.GRU(d_in, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, outputs)

    def forward(self, x):  # [batch, time, d_in]
        return self.head(self.gru(x)[0])  # [batch, time, outputs]


class Crnn(nn.Module):
    def __init__(self, n_mels=40, filters=32, pool=5, hidden=32, layers=2, branches=True, dropout=0.25):
        super().__init__()
        self.conv = nn.Conv2d(1, filters, 3, padding=1)
        self.bn = nn.BatchNorm2d(filters)
        self.pool = nn.MaxPool2d((1, pool))
        self.drop = nn.Dropout(dropout)
        trunk = filters * (n_mels // pool)
        n = 2 if branches else 1
        self.branches = nn.ModuleList([Branch(trunk, hidden, layers, 1 if branches else 2) for _ in range(n)])

    def forward(self, x):  # [batch, time, mel]
        b, t, _ = x.shape
        x = self.drop(self.pool(torch.relu(self.bn(self.conv(x.unsqueeze(1))))))  # [b, F, t, mel/P]
        x = x.permute(0, 2, 1, 3).reshape(b, t, -1)  # [b, t, F*mel/P]
        return torch.cat([br(x) for br in self.branches], dim=2)  # [b, t, 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="crnn", choices=["crnn", "crnn-nb"])
    ap.add_argument("--conv-filters", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=60)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Crnn(filters=a.conv_filters, hidden=a.hidden, branches=a.model == "crnn")
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, a.seq, 40)
    y = torch.rand(a.batch, a.seq, 2) * 2 - 1
    model.train()
    times = []
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    model.eval()
    rates = []
    with torch.no_grad():
        for i in range(a.warmup + a.steps):
            t0 = time.perf_counter()
            model(x)
            if i >= a.warmup:
                rates.append(a.batch * a.seq / (time.perf_counter() - t0))
    rates.sort()
    print(json.dumps({"train_step_ms": times[len(times) // 2],
                      "infer_frames_per_s": rates[len(rates) // 2], "params": params}))


if __name__ == "__main__":
    main()
