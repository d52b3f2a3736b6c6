"""Reference outputs of musicnn 0.1.0 for crates/mer-musicnn/tests/fixtures/: MSD_musicnn on
four clips (files in fixtures/), and MTT_musicnn, MSD_vgg, MTT_vgg on two of them (files in
fixtures/<model in lower case>/, same names; for the vgg models the embedding is `pool5`
flattened in TF's order [time, frequency, map] = 256 values, in `<id>.penultimate.npy`).

Run through scripts/musicnn_reference.sh (pinned venv: tensorflow-cpu 2.15.1, librosa
0.10.2.post1, numpy<2, musicnn 0.1.0). For each clip it

1. computes musicnn's front end exactly as `musicnn.extractor.batch_data` does (librosa.load at
   16 kHz, melspectrogram n_fft 512 / hop 256 / 96 bands, cast to float16, log10(10000 x + 1)),
2. cuts the 3 s patches of 187 frames that `extractor()` uses (hop 187 frames, no overlap, the
   trailing partial patch dropped),
3. runs the restored original graph (`musicnn.models.define_model`, the checkpoint in the wheel)
   on ALL patches in one batch. (`extractor()` itself is not used: in 0.1.0 it repeats the first
   patch's penultimate/cnn rows after the first batch.)

and writes, per clip `<id>`:
  <id>.tags.npy         [patches, 50]  f32 sigmoid tag probabilities
  <id>.penultimate.npy  [patches, 200] f32 penultimate (after its batch norm) embedding
For the first clip it also writes
  <id>.logmel.npy       [frames, 96]   f32 the whole clip's log-mel (network-only test input)
  <id>.embed2hz.npy     [frames_2hz, 200] f32 embeddings at 2 Hz, as mer-musicnn defines them:
      frame k covers [0.5k, 0.5k + 0.5) s; its 3 s patch is centred on 0.5k + 0.25 s: the patch
      starts at mel frame round((0.5k + 0.25) * 16000 / 256) - 93 and has 187 frames; frames
      outside the clip are log-mel 0 (digital silence); frames_2hz follows mer-features'
      pool_2hz rule (2 Hz frame k holds the mel frames centred in [0.5k, 0.5k + 0.5)):
      floor((mel_frames - 1) * 256 * 2 / 16000) + 1.
and manifest.json (clips, sample counts, MSD tag names, versions, and per other model its
folder, tag names, embedding layer and clips).

Usage: musicnn_reference.py DATA_DIR [MODEL...]  (default: all four models).
"""

import json
import os
import sys
import warnings

import librosa
import numpy as np
import tensorflow as tf

warnings.filterwarnings("ignore", category=UserWarning)
tf.compat.v1.disable_eager_execution()
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)

import musicnn  # noqa: E402
from musicnn import configuration as config  # noqa: E402
from musicnn import models  # noqa: E402

N_FRAMES = 187  # librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
CLIPS = [
    ("4q_Q1_MT0000040632", "4q/audio/Q1/MT0000040632.mp3"),
    ("4q_Q3_MT0000004637", "4q/audio/Q3/MT0000004637.mp3"),
    ("deam_2", "deam-sample/audio/2.mp3"),
    ("musifeast_Electronic_MED_19", "musifeast17/stimuli/Electronic_MED_19.mp3"),
]
# The other models: the first clip (22.05 kHz MP3, log-mel stored) and the 44.1 kHz DEAM clip.
OTHER_CLIPS = [CLIPS[0], CLIPS[2]]
MODELS = ["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"]


def front_end(path):
    """musicnn.extractor.batch_data's spectrogram: returns (samples at 16 kHz, log-mel [frames, 96])."""
    audio, sr = librosa.load(path, sr=config.SR)
    mel = librosa.feature.melspectrogram(
        y=audio, sr=sr, hop_length=config.FFT_HOP, n_fft=config.FFT_SIZE, n_mels=config.N_MELS
    ).T
    mel = mel.astype(np.float16)
    # .T made it column-major: make it row-major for the .npy readers.
    return audio, np.ascontiguousarray(np.log10(10000 * mel + 1), dtype=np.float32)


def extractor_patches(logmel):
    starts = range(0, logmel.shape[0] - N_FRAMES + 1, N_FRAMES)
    return np.stack([logmel[s : s + N_FRAMES] for s in starts])


def patches_2hz(logmel):
    frames = (logmel.shape[0] - 1) * config.FFT_HOP * 2 // config.SR + 1
    out = np.zeros((frames, N_FRAMES, config.N_MELS), dtype=np.float32)
    for k in range(frames):
        mid = round((0.5 * k + 0.25) * config.SR / config.FFT_HOP)
        start = mid - N_FRAMES // 2
        lo, hi = max(start, 0), min(start + N_FRAMES, logmel.shape[0])
        if hi > lo:
            out[k, lo - start : hi - start] = logmel[lo:hi]
    return out


def labels(model):
    return config.MTT_LABELS if model.startswith("MTT") else config.MSD_LABELS


class Graph:
    """The restored graph of `model`; `penultimate` is its embedding: musicnn's penultimate,
    or vgg's pool5 flattened as the dense layer reads it."""

    def __init__(self, model):
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, config.N_MELS])
            self.is_training = tf.compat.v1.placeholder(tf.bool)
            outputs = models.define_model(self.x, self.is_training, model, len(labels(model)))
            self.tags = tf.nn.sigmoid(outputs[0])
            if "vgg" in model:
                self.penultimate = tf.compat.v1.layers.flatten(outputs[5])  # pool5 [b, 2, 1, 128]
            else:
                self.penultimate = outputs[8]
        self.sess = tf.compat.v1.Session()
        self.sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(self.sess, os.path.dirname(musicnn.__file__) + f"/{model}/")

    def run(self, batch, chunk=64):
        tags, pen = [], []
        for i in range(0, batch.shape[0], chunk):
            t, p = self.sess.run(
                [self.tags, self.penultimate], feed_dict={self.x: batch[i : i + chunk], self.is_training: False}
            )
            tags.append(t)
            pen.append(p)
        return np.concatenate(tags).astype(np.float32), np.concatenate(pen).astype(np.float32)


def write_model(model, data, out, manifest):
    """Writes `model`'s fixtures into `out`; returns the clip entries."""
    os.makedirs(out, exist_ok=True)
    graph = Graph(model)
    entries = []
    for i, (cid, rel) in enumerate(CLIPS if model == "MSD_musicnn" else OTHER_CLIPS):
        audio, logmel = front_end(os.path.join(data, rel))
        tags, pen = graph.run(extractor_patches(logmel))
        np.save(os.path.join(out, f"{cid}.tags.npy"), tags)
        np.save(os.path.join(out, f"{cid}.penultimate.npy"), pen)
        entry = {"id": cid, "path": rel, "samples_16k": int(audio.shape[0]), "mel_frames": int(logmel.shape[0])}
        if i == 0:
            if model == "MSD_musicnn":
                np.save(os.path.join(out, f"{cid}.logmel.npy"), np.ascontiguousarray(logmel))  # C order
            _, emb = graph.run(patches_2hz(logmel))
            np.save(os.path.join(out, f"{cid}.embed2hz.npy"), emb)
            entry["logmel"] = True
        entries.append(entry)
        names = labels(model)
        top = np.argsort(-tags.mean(axis=0))[:5]
        print(model, cid, tags.shape, pen.shape, ", ".join(f"{names[j]} {tags.mean(axis=0)[j]:.3f}" for j in top))
    return entries


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MER_DATA", "../shared/data")
    chosen = sys.argv[2:] or MODELS
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(repo, "crates", "mer-musicnn", "tests", "fixtures")
    path = os.path.join(out, "manifest.json")
    manifest = json.load(open(path)) if os.path.exists(path) else {}
    manifest.update({
        "generator": "scripts/musicnn_reference.py",
        "versions": {
            "musicnn": "0.1.0",
            "tensorflow": tf.__version__,
            "librosa": librosa.__version__,
            "numpy": np.__version__,
        },
        "tags": list(config.MSD_LABELS),
    })
    manifest.setdefault("models", {})
    for model in chosen:
        if model == "MSD_musicnn":
            manifest["clips"] = write_model(model, data, out, manifest)
        else:
            folder = model.lower()
            manifest["models"][model] = {
                "dir": folder,
                "tags": list(labels(model)),
                "embedding": "pool5" if "vgg" in model else "penultimate",
                "clips": write_model(model, data, os.path.join(out, folder), manifest),
            }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
