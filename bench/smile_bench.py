#!/usr/bin/env python3
"""Speed of mer-smile vs the openSMILE Python package (ComParE_2016 LLDs), same files, one run.

Called by bench/smile_bench.sh (which builds mer and creates the pinned venv). For each of the
DEAM sample clips (45 s, 44.1 kHz) it writes a mono 16-bit WAV once, then times
- mer:        one process per file: `<mer command> --kind smile-lld FILE.wav -o OUT.csv`
              (wall time: process start, WAV decode, 65 LLDs, CSV writing; one thread),
- openSMILE:  `Smile(ComParE_2016, LowLevelDescriptors).process_file(FILE.wav)` in this
              process (wall time of the call only; openSMILE runs single-threaded),
and prints seconds per file for each (CPU time = user + system, the fair measure on a shared
machine, and wall time), the totals and the ratios openSMILE / mer.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import opensmile
import soundfile as sf


def main() -> None:
    mer_cmd = sys.argv[1].split()
    data = Path(os.environ.get("MER_DATA", Path(__file__).resolve().parent.parent.parent / "shared" / "data"))
    clips = sorted((data / "deam-sample" / "audio").glob("*.mp3"))
    if not clips:
        raise SystemExit(f"no DEAM sample clips under {data}")
    smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.ComParE_2016,
        feature_level=opensmile.FeatureLevel.LowLevelDescriptors,
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for mp3 in clips:
            x, sr = sf.read(str(mp3), dtype="float64", always_2d=True)
            pcm = np.clip(np.round(x.mean(axis=1) * 32768.0), -32768, 32767).astype(np.int16)
            wav = tmp / f"{mp3.stem}.wav"
            sf.write(str(wav), pcm, sr, subtype="PCM_16")
            out = tmp / f"{mp3.stem}.csv"
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(mer_cmd + ["--kind", "smile-lld", str(wav), "-o", str(out)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t_mer = time.perf_counter() - t0
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            c_mer = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
            c0 = time.process_time()
            t0 = time.perf_counter()
            ref = smile.process_file(str(wav))
            t_os = time.perf_counter() - t0
            c_os = time.process_time() - c0
            ours = np.loadtxt(out, delimiter=";", skiprows=1)[:, 1:]
            n = min(len(ours), len(ref))
            r = np.corrcoef(ours[:n, 51], ref.to_numpy()[:n, 51])[0, 1]  # mfcc_sma[1]
            rows.append((mp3.name, len(pcm) / sr, c_mer, c_os, t_mer, t_os, r))
    print(f"{'file':<10} {'audio s':>7} | CPU s: {'mer':>6} {'openSMILE':>9} {'ratio':>6} | "
          f"wall s: {'mer':>6} {'openSMILE':>9} {'ratio':>6} | {'r(mfcc1)':>8}")
    for name, dur, cm, co, tm, to, r in rows:
        print(f"{name:<10} {dur:>7.1f} |        {cm:>6.3f} {co:>9.3f} {co / cm:>6.2f} | "
              f"        {tm:>6.3f} {to:>9.3f} {to / tm:>6.2f} | {r:>8.5f}")
    cm, co, tm, to = (sum(r[k] for r in rows) for k in (2, 3, 4, 5))
    print(f"{'total':<10} {sum(r[1] for r in rows):>7.1f} |        {cm:>6.3f} {co:>9.3f} {co / cm:>6.2f} | "
          f"        {tm:>6.3f} {to:>9.3f} {to / tm:>6.2f} |")
    n = len(rows)
    print(f"CPU s/file: mer {cm / n:.3f}, openSMILE {co / n:.3f} -> mer {co / cm:.2f}x faster; "
          f"wall s/file: mer {tm / n:.3f}, openSMILE {to / n:.3f} -> {to / tm:.2f}x "
          f"(openSMILE {opensmile.__version__}, one thread each)")


if __name__ == "__main__":
    main()
