"""librosa side of the front-end benchmark: load + melspectrogram + log, one thread.

Prints one JSON line per file: {"path", "seconds", "decode_seconds", "duration_s"}; the median
of `--repeat` runs (after one warm-up) is reported.
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import librosa  # noqa: E402
import numpy as np  # noqa: E402


def main():
    repeat = int(sys.argv[1])
    for path in sys.argv[2:]:
        full, dec = [], []
        for i in range(repeat + 1):
            t0 = time.perf_counter()
            y, sr = librosa.load(path, sr=44100, mono=True)
            t1 = time.perf_counter()
            m = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=1024, n_mels=40)
            np.log(m + 1e-10)
            t2 = time.perf_counter()
            if i > 0:
                full.append(t2 - t0)
                dec.append(t1 - t0)
        print(json.dumps(dict(path=path, seconds=statistics.median(full),
                              decode_seconds=statistics.median(dec), duration_s=len(y) / sr)))


if __name__ == "__main__":
    main()
