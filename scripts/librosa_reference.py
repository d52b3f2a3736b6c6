"""Reference log-mel features from librosa for mer-features' tests.

For each clip: librosa.load(mono=True) at 44.1 kHz (native for DEAM, soxr_hq resampling for
the 22.05 kHz 4Q copies), then ln(melspectrogram(n_fft=2048, hop_length=1024, n_mels=40) + 1e-10)
with librosa's defaults (periodic Hann, center=True, pad_mode='constant', Slaney mel, power 2).

Writes, per clip, `<set>_<id>.npy` = every 5th STFT frame (frames 0, 5, 10, ...; float32
[ceil(T/5), 40]) to keep fixtures small, `<set>_<id>_2hz.npy` = the 2 Hz pooled log-mel (mean
of frames whose centres fall in [0.5k, 0.5k+0.5) s), `<set>_<id>_2hz_min.npy` = the minimum
over the same frames (a test compares only pooled bins whose every frame is above its floor),
and `index.json` with versions, frame
counts and sample counts.
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


def pool_2hz(lm):
    """Mean (and min, for masking quiet bins in tests) of the frames centred in each 0.5 s."""
    t = np.arange(lm.shape[0])
    k = (t * HOP * 2) // SR
    mean = np.stack([lm[k == j].astype(np.float64).mean(axis=0) for j in range(k[-1] + 1)])
    low = np.stack([lm[k == j].min(axis=0) for j in range(k[-1] + 1)])
    return mean.astype(np.float32), low.astype(np.float32)


def main():
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    clips = [("deam", i, data / "deam-sample" / "audio" / f"{i}.mp3") for i in DEAM]
    for q, song in FOURQ:
        if song is None:
            song = sorted((data / "4q" / "audio" / q).glob("*.mp3"))[0].stem
        clips.append(("4q", song, data / "4q" / "audio" / q / f"{song}.mp3"))
    index = {
        "librosa": librosa.__version__,
        "soundfile": soundfile.__version__,
        "libsndfile": soundfile.__libsndfile_version__,
        "soxr": soxr.__version__,
        "numpy": np.__version__,
        "settings": dict(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, floor=1e-10, decimate=5),
        "clips": [],
    }
    for kind, cid, path in clips:
        native_sr = soundfile.info(str(path)).samplerate
        y, _ = librosa.load(str(path), sr=SR, mono=True)
        lm = logmel(y)
        name = f"{kind}_{cid}"
        np.save(out / f"{name}.npy", lm[::5])
        mean, low = pool_2hz(lm)
        np.save(out / f"{name}_2hz.npy", mean)
        np.save(out / f"{name}_2hz_min.npy", low)
        index["clips"].append(
            dict(name=name, path=str(path.relative_to(data)), native_sr=native_sr,
                 resampled=native_sr != SR, n_samples=int(len(y)), n_frames=int(lm.shape[0]))
        )
        print(name, native_sr, len(y), lm.shape)
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__":
    main()
