"""musicnn's own TensorFlow graph (musicnn 0.1.0, MSD_musicnn) timed on one thread.

Called by bench/musicnn_bench.sh with the clip paths. For each clip: librosa front end
(load at 16 kHz with soxr, melspectrogram, float16, log10(10000 x + 1), as musicnn's
batch_data), then the graph on the 2 Hz patches (3 s centred on every 0.5 s frame, the same
patches as mer-musicnn's embed_2hz) in batches of 8. Prints one line per clip and a total:
  TF <clip> audio_s=<s> frontend_s=<s> network_s=<s> patches=<n>
"""

import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import librosa  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
import musicnn  # noqa: E402
from musicnn import configuration as config  # noqa: E402
from musicnn import models  # noqa: E402

N_FRAMES = 187
BATCH = 8


def front_end(path):
    audio, sr = librosa.load(path, sr=config.SR)
    mel = librosa.feature.melspectrogram(
        y=audio, sr=sr, hop_length=config.FFT_HOP, n_fft=config.FFT_SIZE, n_mels=config.N_MELS
    ).T
    return audio, np.log10(10000 * mel.astype(np.float16) + 1).astype(np.float32)


def patches_2hz(logmel):
    frames = (logmel.shape[0] - 1) * config.FFT_HOP * 2 // config.SR + 1
    out = np.zeros((frames, N_FRAMES, config.N_MELS), dtype=np.float32)
    for k in range(frames):
        start = round((0.5 * k + 0.25) * config.SR / config.FFT_HOP) - N_FRAMES // 2
        lo, hi = max(start, 0), min(start + N_FRAMES, logmel.shape[0])
        if hi > lo:
            out[k, lo - start : hi - start] = logmel[lo:hi]
    return out


def main():
    session_config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        out = models.define_model(x, is_training, "MSD_musicnn", len(config.MSD_LABELS))
        tags, penultimate = tf.nn.sigmoid(out[0]), out[-1]
    sess = tf.compat.v1.Session(config=session_config)
    sess.run(tf.compat.v1.global_variables_initializer())
    tf.compat.v1.train.Saver().restore(sess, os.path.dirname(musicnn.__file__) + "/MSD_musicnn/")
    # Warm-up (graph optimisation, oneDNN primitive creation) outside the timings.
    sess.run(penultimate, feed_dict={x: np.zeros((BATCH, N_FRAMES, config.N_MELS), np.float32), is_training: False})
    for path in sys.argv[1:]:
        t0 = time.perf_counter()
        audio, logmel = front_end(path)
        t1 = time.perf_counter()
        batch = patches_2hz(logmel)
        for i in range(0, batch.shape[0], BATCH):
            sess.run(penultimate, feed_dict={x: batch[i : i + BATCH], is_training: False})
        t2 = time.perf_counter()
        print(
            f"TF {os.path.basename(path)} audio_s={audio.shape[0] / config.SR:.3f} "
            f"frontend_s={t1 - t0:.4f} network_s={t2 - t1:.4f} patches={batch.shape[0]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
