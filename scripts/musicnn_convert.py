"""Convert musicnn's four TF1 checkpoints (PyPI musicnn==0.1.0, ISC) to safetensors:
MSD_musicnn, MTT_musicnn, MSD_vgg and MTT_vgg.

Run through scripts/musicnn_convert.sh [MODEL...] (it makes the pinned venv; default: all four).
Steps:
1. `pip download --no-deps musicnn==0.1.0` (the pinned wheel; its sha256 is checked),
2. read `musicnn/<MODEL>/` (the checkpoint prefix is the folder itself: files `.index`,
   `.data-00000-of-00001`) with TensorFlow's checkpoint reader, skipping the Adam slots,
3. rename every tensor to the path of the parameter in the burn module
   (crates/mer-musicnn/src/model.rs for musicnn, src/vgg.rs for vgg) and transpose it to
   burn's layout:
   conv2d kernel TF [kh, kw, in, out] -> burn [out, in, kh, kw];
   mid-end conv2d kernel TF [7, width, 1, out] -> burn Conv1d [out, width, 7];
   dense kernel TF [in, out] = burn Linear [in, out] (row layout, unchanged),
   and fail if any checkpoint variable is left unconverted,
4. write crates/mer-musicnn/weights/<model>.safetensors (lower case, f32, little endian) with
   the provenance in its metadata, and weights/LICENSE-musicnn (the ISC notice of the wheel).

The weights come from this PyPI package (ISC), not from MTG's other, non-commercial copies.
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import tensorflow as tf
from safetensors.numpy import save_file

WHEEL = "musicnn-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"

# TF variable scope -> burn module path. The TF names follow graph construction order in
# musicnn/models.py build_musicnn (frontend, midend, backend).
CONVS_2D = {
    "conv2d": "timbral_74.conv",  # [7, 38] timbral filter, 204 maps
    "conv2d_1": "timbral_77.conv",  # [7, 67] timbral filter, 204 maps
    "conv2d_2": "temporal_128.conv",  # [128, 1] temporal filter, 51 maps
    "conv2d_3": "temporal_64.conv",  # [64, 1]
    "conv2d_4": "temporal_32.conv",  # [32, 1]
}
CONVS_MID = {
    "conv2d_5": "mid_1.conv",  # [7, 561] -> Conv1d 561 -> 64
    "conv2d_6": "mid_2.conv",  # [7, 64] -> Conv1d 64 -> 64
    "conv2d_7": "mid_3.conv",
}
NORMS = {
    "batch_normalization": "input_norm",
    "batch_normalization_1": "timbral_74.norm",
    "batch_normalization_2": "timbral_77.norm",
    "batch_normalization_3": "temporal_128.norm",
    "batch_normalization_4": "temporal_64.norm",
    "batch_normalization_5": "temporal_32.norm",
    "batch_normalization_6": "mid_1.norm",
    "batch_normalization_7": "mid_2.norm",
    "batch_normalization_8": "mid_3.norm",
    "batch_normalization_9": "pool_norm",
    "batch_normalization_10": "penultimate_norm",
}
DENSES = {"dense": "penultimate", "dense_1": "output"}
MUSICNN = {"convs_2d": CONVS_2D, "convs_mid": CONVS_MID, "norms": NORMS, "denses": DENSES}

# musicnn/models.py vgg(): five blocks named 1CNN..5CNN, each followed by a batch norm (the
# input norm is batch_normalization), and one dense layer to the tags.
VGG = {
    "convs_2d": {f"{i + 1}CNN": f"blocks.{i}.conv" for i in range(5)},
    "convs_mid": {},
    "norms": {"batch_normalization": "input_norm"}
    | {f"batch_normalization_{i + 1}": f"blocks.{i}.norm" for i in range(5)},
    "denses": {"dense": "output"},
}
MODELS = {"MSD_musicnn": MUSICNN, "MTT_musicnn": MUSICNN, "MSD_vgg": VGG, "MTT_vgg": VGG}


def fetch_wheel(workdir):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "musicnn==0.1.0", "-d", workdir],
        check=True,
    )
    path = os.path.join(workdir, WHEEL)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(path) as z:
        z.extractall(workdir)
    return os.path.join(workdir, "musicnn"), os.path.join(workdir, "musicnn-0.1.0.dist-info", "LICENSE.md")


def convert(prefix, layout):
    reader = tf.compat.v1.train.NewCheckpointReader(prefix)
    names = [n for n in reader.get_variable_to_shape_map() if "Adam" not in n and not n.endswith("_power")]
    out, used = {}, set()

    def get(name):
        used.add(name)
        return reader.get_tensor(name).astype(np.float32)

    for tf_name, path in layout["convs_2d"].items():
        out[f"{path}.weight"] = get(f"{tf_name}/kernel").transpose(3, 2, 0, 1)
        out[f"{path}.bias"] = get(f"{tf_name}/bias")
    for tf_name, path in layout["convs_mid"].items():
        kernel = get(f"{tf_name}/kernel")  # [7, width, 1, out]
        out[f"{path}.weight"] = kernel[:, :, 0, :].transpose(2, 1, 0)  # [out, width, 7]
        out[f"{path}.bias"] = get(f"{tf_name}/bias")
    for tf_name, path in layout["norms"].items():
        out[f"{path}.gamma"] = get(f"{tf_name}/gamma")
        out[f"{path}.beta"] = get(f"{tf_name}/beta")
        out[f"{path}.running_mean"] = get(f"{tf_name}/moving_mean")
        out[f"{path}.running_var"] = get(f"{tf_name}/moving_variance")
    for tf_name, path in layout["denses"].items():
        out[f"{path}.weight"] = get(f"{tf_name}/kernel")
        out[f"{path}.bias"] = get(f"{tf_name}/bias")
    unused = sorted(set(names) - used)
    if unused:
        sys.exit(f"checkpoint variables not converted: {unused}")
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def main():
    models = sys.argv[1:] or list(MODELS)
    for m in models:
        if m not in MODELS:
            sys.exit(f"unknown model {m}: one of {list(MODELS)}")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dest = os.path.join(repo, "crates", "mer-musicnn", "weights")
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        package, licence = fetch_wheel(workdir)
        notice = open(licence, encoding="utf-8").read().strip()
        for model in models:
            tensors = convert(os.path.join(package, model) + "/", MODELS[model])
            metadata = {
                "model": model,
                "source": f"PyPI musicnn==0.1.0 ({WHEEL}, sha256 {WHEEL_SHA256}), musicnn/{model}/",
                "licence": "ISC (see LICENSE-musicnn next to this file)",
                "converter": "scripts/musicnn_convert.py",
                "layout": "burn: conv2d [out,in,kh,kw], conv1d [out,in,k], linear [in,out]",
            }
            out = os.path.join(dest, f"{model.lower()}.safetensors")
            save_file(tensors, out, metadata=metadata)
            total = sum(v.size for v in tensors.values())
            print(f"wrote {len(tensors)} tensors, {total} parameters to {out}")
    with open(os.path.join(dest, "LICENSE-musicnn"), "w", encoding="utf-8") as f:
        f.write(
            "The weights in msd_musicnn.safetensors, mtt_musicnn.safetensors, msd_vgg.safetensors\n"
            "and mtt_vgg.safetensors are converted from the MSD_musicnn, MTT_musicnn, MSD_vgg and\n"
            "MTT_vgg checkpoints of the PyPI package musicnn==0.1.0\n"
            f"({WHEEL}, sha256 {WHEEL_SHA256})\n"
            "by scripts/musicnn_convert.py. That package is released under the ISC licence below.\n"
            "(MTG distributes other copies of musicnn models under non-commercial terms; these\n"
            "weights do not come from them.)\n\n"
            f"{notice}\n"
        )


if __name__ == "__main__":
    main()
