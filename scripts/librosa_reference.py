"""Reference log-mel features from librosa for mer-features' tests.

For each clip: librosa.load(mono=True) at 44.1 kHz (soxr_hq resampling when the file's rate
differs), then ln(melspectrogram(n_fft=2048, hop_length=1024, n_mels=40) + 1e-10) with
librosa's defaults (periodic Hann, center=True, pad_mode='constant', Slaney mel, power 2).

Usage: librosa_reference.py clips CLIPS_DIR OUT    (every *.mp3 in CLIPS_DIR, all frames)
       librosa_reference.py shared DATA_DIR OUT    (10 DEAM + 5 4Q clips of the shared data;
                                                    every 5th frame, to keep fixtures small)

Writes, per clip, `<name>.npy` = the STFT-rate log-mel (float32 [T, 40], or every 5th frame
[ceil(T/5), 40] for `shared`), `<name>_2hz.npy` = the 2 Hz pooled log-mel and
`<name>_2hz_min.npy` = the minimum over the same frames (a test compares only pooled bins whose
every frame is above its floor), and `index.json` with versions, frame and sample counts.

2 Hz rule (mer_features::pool): frame k is the mean of the STFT frames centred on the audio
(centre sample t*hop < n_samples) within [0.5k, 0.5k + 0.5) s.
"""
import json
import sys
from pathlib import Path

import librosa
import numpy as np
import soundfile
import soxr

DEAM = ["2", "3", "4", "5", "7", "8", "10", "12", "13", "17"]
FOURQ = [("Q1", "MT0000040632"), ("Q2", None), ("Q3", None), ("Q4", None), ("Q1", "MT0000082187")]
SR, N_FFT, HOP, N_MELS = 44100, 2048, 1024, 40


def logmel(y):
    m = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
    return np.log(m + 1e-10).T.astype(np.float32)  # [frames, 40]


def pool_2hz(lm, n_samples):
    """Mean (and min, for masking quiet bins in tests) of the frames centred in each 0.5 s."""
    t = np.arange(lm.shape[0])
    t = t[t * HOP < n_samples]
    k = (t * HOP * 2) // SR
    mean = np.stack([lm[t[k == j]].astype(np.float64).mean(axis=0) for j in range(k[-1] + 1)])
    low = np.stack([lm[t[k == j]].min(axis=0) for j in range(k[-1] + 1)])
    return mean.astype(np.float32), low.astype(np.float32)


def main():
    mode, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    if mode == "clips":
        clips = [(p.stem, p, p.name) for p in sorted(src.glob("*.mp3"))]
        decimate = 1
    else:
        clips = [(f"deam_{i}", src / "deam-sample" / "audio" / f"{i}.mp3", None) for i in DEAM]
        for q, song in FOURQ:
            if song is None:
                song = sorted((src / "4q" / "audio" / q).glob("*.mp3"))[0].stem
            clips.append((f"4q_{song}", src / "4q" / "audio" / q / f"{song}.mp3", None))
        clips = [(n, p, str(p.relative_to(src))) for n, p, _ in clips]
        decimate = 5
    index = {
        "librosa": librosa.__version__,
        "soundfile": soundfile.__version__,
        "libsndfile": soundfile.__libsndfile_version__,
        "soxr": soxr.__version__,
        "numpy": np.__version__,
        "settings": dict(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, floor=1e-10,
                         decimate=decimate),
        "clips": [],
    }
    for name, path, rel in clips:
        native_sr = soundfile.info(str(path)).samplerate
        y, _ = librosa.load(str(path), sr=SR, mono=True)
        lm = logmel(y)
        np.save(out / f"{name}.npy", np.ascontiguousarray(lm[::decimate]))
        mean, low = pool_2hz(lm, len(y))
        np.save(out / f"{name}_2hz.npy", mean)
        np.save(out / f"{name}_2hz_min.npy", low)
        index["clips"].append(
            dict(name=name, path=rel, native_sr=native_sr, resampled=native_sr != SR,
                 n_samples=int(len(y)), n_frames=int(lm.shape[0]), n_frames_2hz=int(mean.shape[0]))
        )
        print(name, native_sr, len(y), lm.shape, mean.shape)
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__":
    main()
