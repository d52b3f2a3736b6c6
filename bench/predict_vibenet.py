"""vibenet 0.1.0 (PyPI) end to end on one thread: load + predict each file, timed per file.

Usage: predict_vibenet.py REPEATS FILE...   prints "vibenet <file> <seconds per run>" (CPU
seconds of the process, time.process_time, so that other processes on a loaded machine do not
count; with one onnxruntime thread that is the work of one thread) and the wall seconds.
vibenet's EfficientNetModel builds SessionOptions with one thread but does not pass them to
onnxruntime; we pass them here so the comparison is one thread against one thread.
"""
import sys
import time

import onnxruntime as ort
import importlib.resources as resources

import vibenet

model = vibenet.load_model()
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
so.intra_op_num_threads = 1
so.inter_op_num_threads = 1
with resources.path("vibenet.artifacts", "efficientnet_model.onnx") as p:
    model.ort_sess = ort.InferenceSession(str(p), so)

repeats = int(sys.argv[1])
for f in sys.argv[2:]:
    model.predict(f)  # warm-up (librosa/numba JIT)
    t, w = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        r = model.predict(f)
    dt = (time.process_time() - t) / repeats
    dw = (time.perf_counter() - w) / repeats
    print(f"vibenet {f} {dt:.4f} wall={dw:.4f} valence={r[0].to_dict()['valence']:.3f}")
