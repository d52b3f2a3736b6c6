#!/usr/bin/env python3
"""Reference fixtures for crates/mer-smile from the openSMILE Python package.

Run through the wrapper, which creates the pinned venv first:

    bash scripts/smile_reference.sh

For each clip in CLIPS it
1. decodes the MP3 (soundfile 0.14.0, bundled libsndfile/mpg123), mixes down to mono
   (mean of channels), cuts EXCERPT_S seconds from `start`, quantises to 16-bit PCM and writes
   `crates/mer-smile/tests/fixtures/<name>.wav` at the clip's own sample rate. Both openSMILE and
   the Rust test read these same WAV samples.
2. runs opensmile 2.6.0 `FeatureSet.ComParE_2016` at `LowLevelDescriptors` and
   `LowLevelDescriptors_Deltas` on the WAV and writes `<name>.lld.npy` and `<name>.lld_de.npy`
   (float32, shape [frames, 65]); the column names go to `lld_names.txt` / `lld_de_names.txt`.
3. aggregates both into the MediaEval 2015 / DEAM 260-value set (mean and population std over
   1 s windows every 0.5 s, see `mediaeval260`) and writes `<name>.me260.npy` [windows, 260].
4. for FULL_CLIPS, runs openSMILE on the whole decoded MP3 (float32, mono mean, no
   quantisation) and stores only `<name>.full.me260.npy`; the Rust test decodes the same MP3
   with mer-audio, so this also checks decoding end to end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import opensmile
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "mer-smile" / "tests" / "fixtures"
EXCERPT_S = 6.0

# (fixture name, path below the shared data folder, excerpt start in seconds)
CLIPS = [
    ("deam_10", "deam-sample/audio/10.mp3", 20.0),
    ("deam_2", "deam-sample/audio/2.mp3", 30.0),
    ("fourq_q2_first", "4q/audio/Q2/{first}", 10.0),
    ("musifeast_first", "musifeast17/stimuli/{first}", 10.0),
]

# Whole clips (decoded from the shared MP3 by the Rust test itself via mer-audio): only the
# 260-value MediaEval set is stored, as `<name>.full.me260.npy`.
FULL_CLIPS = [
    ("deam_2", "deam-sample/audio/2.mp3"),
]
# Both sides drop the first 0.5 s of the decoded MP3: libsndfile (mpg123) and mer-audio
# (symphonia) disagree on the first ~6 granules (~80 ms) of an MP3, and agree to >100 dB SNR
# afterwards; RASTA filtering would carry that start-up difference for a second or more.
FULL_TRIM_S = 0.5

# 1 s windows every 0.5 s over the 10 ms LLD frames (MediaEval 2015 baseline, DEAM features).
WIN_FRAMES = 100
HOP_FRAMES = 50


def shared_data() -> Path:
    import os

    env = os.environ.get("MER_DATA")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "data"


def resolve(data: Path, rel: str) -> Path:
    if "{first}" not in rel:
        return data / rel
    folder = data / rel.replace("/{first}", "")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".mp3")
    return files[0]


def write_excerpt(src: Path, start: float, dst: Path) -> int:
    audio, rate = sf.read(str(src), dtype="float64", always_2d=True)
    mono = audio.mean(axis=1)
    a = int(round(start * rate))
    b = a + int(round(EXCERPT_S * rate))
    if b > mono.shape[0]:
        raise SystemExit(f"{src}: shorter than {start + EXCERPT_S} s")
    pcm = np.clip(np.round(mono[a:b] * 32768.0), -32768, 32767).astype(np.int16)
    sf.write(str(dst), pcm, rate, subtype="PCM_16")
    return rate


def mediaeval260(lld: np.ndarray, de: np.ndarray) -> np.ndarray:
    """[frames, 65] x2 -> [windows, 260]: per window, for each LLD (std, mean), then each delta.

    Column order is DEAM's: `<lld>_stddev;<lld>_amean` for the 65 LLDs, then the same for the 65
    deltas. std is the population standard deviation (openSMILE cFunctionalMoments `stddev`).
    A window is emitted while it holds a full second of frames.
    """
    rows = []
    n = lld.shape[0]
    k = 0
    while k * HOP_FRAMES + WIN_FRAMES <= n:
        a, b = k * HOP_FRAMES, k * HOP_FRAMES + WIN_FRAMES
        row = []
        for m in (lld[a:b].astype(np.float64), de[a:b].astype(np.float64)):
            mean = m.mean(axis=0)
            std = np.sqrt(np.maximum((m * m).mean(axis=0) - mean * mean, 0.0))
            row.append(np.stack([std, mean], axis=1).reshape(-1))
        rows.append(np.concatenate(row))
        k += 1
    return np.asarray(rows, dtype=np.float32)


def main() -> None:
    data = shared_data()
    if not data.is_dir():
        raise SystemExit(f"shared data not found at {data} (set MER_DATA)")
    FIXTURES.mkdir(parents=True, exist_ok=True)
    lld_smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.ComParE_2016,
        feature_level=opensmile.FeatureLevel.LowLevelDescriptors,
    )
    de_smile = opensmile.Smile(
        feature_set=opensmile.FeatureSet.ComParE_2016,
        feature_level=opensmile.FeatureLevel.LowLevelDescriptors_Deltas,
    )
    manifest = []
    for name, rel, start in CLIPS:
        src = resolve(data, rel)
        wav = FIXTURES / f"{name}.wav"
        rate = write_excerpt(src, start, wav)
        lld = lld_smile.process_file(str(wav))
        de = de_smile.process_file(str(wav))
        lld_np = np.ascontiguousarray(lld.to_numpy(dtype=np.float32))
        de_np = np.ascontiguousarray(de.to_numpy(dtype=np.float32))
        assert lld_np.shape[1] == 65 and de_np.shape[1] == 65, (lld_np.shape, de_np.shape)
        np.save(FIXTURES / f"{name}.lld.npy", lld_np)
        np.save(FIXTURES / f"{name}.lld_de.npy", de_np)
        np.save(FIXTURES / f"{name}.me260.npy", mediaeval260(lld_np, de_np))
        (FIXTURES / "lld_names.txt").write_text("\n".join(lld.columns) + "\n")
        (FIXTURES / "lld_de_names.txt").write_text("\n".join(de.columns) + "\n")
        rel_src = src.relative_to(data)
        manifest.append(f"{name}\t{rel_src}\t{start}\t{EXCERPT_S}\t{rate}\t{lld_np.shape[0]}")
        print(name, rel_src, rate, lld_np.shape, file=sys.stderr)
    for name, rel in FULL_CLIPS:
        src = data / rel
        audio, rate = sf.read(str(src), dtype="float32", always_2d=True)
        mono = np.ascontiguousarray(audio.mean(axis=1)[int(round(FULL_TRIM_S * rate)):])
        lld = lld_smile.process_signal(mono, rate)
        de = de_smile.process_signal(mono, rate)
        lld_np = np.ascontiguousarray(lld.to_numpy(dtype=np.float32))
        de_np = np.ascontiguousarray(de.to_numpy(dtype=np.float32))
        np.save(FIXTURES / f"{name}.full.me260.npy", mediaeval260(lld_np, de_np))
        print(name, rel, rate, lld_np.shape, "(full clip)", file=sys.stderr)
    header = "name\tsource\tstart_s\tdur_s\tsample_rate\tlld_frames"
    (FIXTURES / "manifest.tsv").write_text(header + "\n" + "\n".join(manifest) + "\n")
    (FIXTURES / "VERSIONS.txt").write_text(
        f"opensmile=={opensmile.__version__}\nsoundfile=={sf.__version__}\nnumpy=={np.__version__}\n"
        "feature set: ComParE_2016 (LowLevelDescriptors, LowLevelDescriptors_Deltas)\n"
    )


if __name__ == "__main__":
    main()
