"""The `mer` Python package against the `mer` command line, on real audio.

Run: `pip install ./python pytest numpy && pytest python/tests -v` (see python/README.md).
"""

import json
import os
import pathlib
import threading
import time

import numpy as np
import pytest

import mer

REPO = pathlib.Path(__file__).resolve().parents[2]
FAST_MODEL_FILE = REPO / "crates" / "mer-predict" / "models" / "fast.mermodel"


def cli_json(run_mer, paths, *args):
    """`mer predict PATHS --format json ARGS` as a list of dicts, one per file."""
    out = run_mer("predict", *paths, "--format", "json", *args)
    return [json.loads(line) for line in out.splitlines()]


# ---------------------------------------------------------------- predict

def test_predict_is_the_cli_json_default_model(run_mer, clips):
    paths = [str(p) for p in clips[:4]]
    expected = cli_json(run_mer, paths)
    got = [mer.predict(p) for p in paths]
    assert got == expected
    d = got[0]
    assert set(d) == {"path", "duration_s", "start_s", "scale", "arousal", "valence",
                      "quadrant", "confidence", "hop_s", "dynamic"}
    assert d["path"] == paths[0] and d["quadrant"] in {"Q1", "Q2", "Q3", "Q4"}
    assert len(d["dynamic"]["arousal"]) == len(d["dynamic"]["valence"]) > 40


def test_predict_is_the_cli_json_fast_model_with_options(run_mer, clips):
    paths = [str(p) for p in clips]
    expected = cli_json(run_mer, paths, "--model", "fast", "--scale", "1..9",
                        "--start", "2", "--end", "12.5")
    got = [mer.predict(p, model="fast", scale="1..9", start=2, end=12.5) for p in paths]
    assert got == expected
    assert all(d["start_s"] == 2 and d["duration_s"] == 10.5 for d in got)
    assert all(len(d["dynamic"]["arousal"]) == 21 for d in got)
    assert all(1 <= d["arousal"] <= 9 for d in got)


def test_model_file_gives_the_embedded_models_values(clips):
    p = str(clips[0])
    by_file = mer.Predictor(FAST_MODEL_FILE)  # os.PathLike
    assert by_file.model == str(FAST_MODEL_FILE)
    assert by_file.predict(p) == mer.predict(p, model="fast")
    assert mer.predict(p, model=str(FAST_MODEL_FILE)) == mer.predict(p, model="fast")
    assert mer.Predictor().model == "default"
    assert "fast" in repr(mer.Predictor("fast"))


def test_samples_predict_as_their_file(clips):
    for path in (clips[0], clips[2]):  # 22.05 kHz mono and 44.1 kHz stereo
        x, sr = mer.load(path)
        assert x.dtype == np.float32 and x.ndim == 1 and sr in (22050, 44100)
        for model in ("default", "fast"):
            from_file = mer.predict(path, model=model)
            # float32, and (fast model only, to keep the test short) float64 and a list.
            variants = (x, x.astype(np.float64), x.tolist()) if model == "fast" else (x,)
            for samples in variants:
                d = mer.predict(samples, sr, model=model)
                assert d["path"] == "<samples>"
                assert d["quadrant"] == from_file["quadrant"]
                # Streamed in blocks from the file, whole from memory: equal but for rounding
                # of the printed 4 decimals.
                a = np.array(d["dynamic"]["arousal"] + d["dynamic"]["valence"])
                b = np.array(from_file["dynamic"]["arousal"] + from_file["dynamic"]["valence"])
                assert a.shape == b.shape
                assert np.abs(a - b).max() <= 2e-4, (path, model, np.abs(a - b).max())


def test_predict_many_reports_bad_files_and_keeps_going(clips, tmp_path):
    not_audio = tmp_path / "notes.mp3"
    not_audio.write_text("these are not MP3 frames\n" * 100)
    missing = tmp_path / "missing.wav"
    paths = [str(clips[0]), str(not_audio), str(clips[1]), str(missing), str(clips[5])]
    p = mer.Predictor("fast")
    for threads in (1, 2, 0):
        out = p.predict_many(paths, threads=threads)
        assert [d["path"] for d in out] == paths
        assert set(out[1]) == {"path", "error"} and str(not_audio) in out[1]["error"]
        assert set(out[3]) == {"path", "error"} and str(missing) in out[3]["error"]
        for i in (0, 2, 4):
            assert out[i] == p.predict(paths[i])
    assert p.predict_many([]) == []


# ---------------------------------------------------------------- features

FEATURE_CASES = [
    ("logmel", None, []),
    ("logmel", "2hz", ["--rate", "2hz"]),
    ("musicnn", "2hz", ["--rate", "2hz"]),
    ("smile-lld", None, []),
    ("mediaeval260", None, []),
    ("mediaeval260-is13", None, []),
]


@pytest.mark.parametrize("kind,rate,args", FEATURE_CASES, ids=[c[0] + "-" + str(c[1]) for c in FEATURE_CASES])
def test_features_equal_the_cli_npy(run_mer, clips, tmp_path, kind, rate, args):
    clip = clips[0]
    out = tmp_path / "x.npy"
    run_mer("features", clip, "--kind", kind, *args, "-o", out)
    expected = np.load(out)
    got = mer.features(clip, kind=kind, rate=rate)
    assert got.dtype == np.float32 and got.ndim == 2 and got.shape[0] > 0
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)


def test_features_sample_rate_and_width(run_mer, clips, tmp_path):
    out = tmp_path / "x.npy"
    run_mer("features", clips[2], "--kind", "logmel", "--sample-rate", "22050", "-o", out)
    got = mer.features(clips[2], kind="logmel", sample_rate=22050)
    assert np.array_equal(got, np.load(out))
    widths = {"logmel": 40, "smile-lld": 65, "mediaeval260": 260, "musicnn": 200}
    for kind, w in widths.items():
        assert mer.features(clips[0], kind=kind).shape[1] == w
    assert set(widths) <= set(mer.FEATURE_KINDS)


@pytest.mark.parametrize("kind,rate", [("logmel", "stft"), ("logmel", "2hz"), ("musicnn", "2hz"),
                                       ("mediaeval260", None)])
def test_features_of_samples_equal_those_of_their_file(clips, kind, rate):
    for path in (clips[0], clips[2]):  # 22.05 kHz mono, 44.1 kHz stereo
        x, sr = mer.load(path)
        from_file = mer.features(path, kind=kind, rate=rate)
        from_samples = mer.features(x, sr, kind=kind, rate=rate)
        assert from_samples.shape == from_file.shape
        # The same resampler, fed the file chunk by chunk or all at once.
        assert np.allclose(from_samples, from_file, rtol=1e-5, atol=1e-5), (
            path, kind, np.abs(from_samples - from_file).max())


# ---------------------------------------------------------------- errors

def test_errors_are_python_exceptions_naming_the_file(clips, tmp_path):
    missing = tmp_path / "no such song.mp3"
    for call in (lambda: mer.predict(missing), lambda: mer.features(missing),
                 lambda: mer.load(missing), lambda: mer.Predictor("fast").predict(missing)):
        with pytest.raises(mer.MerError, match="no such song.mp3"):
            call()
    bad = tmp_path / "bad.flac"
    bad.write_bytes(b"fLaC" + os.urandom(3000))
    with pytest.raises(mer.MerError, match="bad.flac"):
        mer.features(bad, kind="smile-lld")
    with pytest.raises(mer.MerError, match="nonexistent.mermodel"):
        mer.Predictor(tmp_path / "nonexistent.mermodel")
    assert issubclass(mer.MerError, Exception)


def test_bad_arguments_are_value_or_type_errors(clips):
    p = clips[0]
    with pytest.raises(ValueError, match="mediaeval260"):
        mer.features(p, kind="mfcc")
    with pytest.raises(ValueError, match="2hz"):
        mer.features(p, kind="musicnn", rate="stft")
    with pytest.raises(ValueError, match="rate"):
        mer.features(p, rate="10hz")
    with pytest.raises(ValueError, match="192000"):
        mer.features(p, sample_rate=1000)
    with pytest.raises(ValueError, match="shape"):
        mer.predict(np.zeros((2, 16000), np.float32), 16000)
    with pytest.raises(ValueError, match="sr"):
        mer.predict(np.zeros(16000, np.float32))
    with pytest.raises(ValueError, match="sr"):
        mer.predict(p, 44100)
    with pytest.raises(ValueError, match="non-finite"):
        mer.predict(np.full(16000, np.nan, np.float32), 16000, model="fast")
    with pytest.raises(ValueError, match="scale"):
        mer.predict(p, scale="0..100")
    with pytest.raises(ValueError, match="after start"):
        mer.predict(p, start=10, end=5)
    with pytest.raises(TypeError, match="int"):
        mer.predict(42)
    with pytest.raises(TypeError):
        mer.Predictor(3.5)


# ---------------------------------------------------------------- the GIL

def test_calls_release_the_gil(clips):
    """While a thread is inside mer, another Python thread keeps running.

    The main thread counts loop iterations while a worker computes musicnn features; if mer
    held the GIL, the main thread would stall for a whole call (~1 s here). Robust to load:
    it needs only *some* CPU for the main thread, not a free core."""
    path = clips[0]  # 30 s
    mer.features(path, kind="musicnn")  # load the model outside the measurement
    calls = []

    def work():
        for _ in range(1):
            t0 = time.perf_counter()
            mer.features(path, kind="musicnn")
            calls.append(time.perf_counter() - t0)

    t = threading.Thread(target=work)
    ticks = []
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
        # Busy Python work (needs the GIL), not a sleep.
        sum(range(200))
    t.join()
    gaps = np.diff(ticks)
    print(f"\nmusicnn call {min(calls):.2f}-{max(calls):.2f} s; main thread: {len(ticks)} "
          f"iterations meanwhile, longest stall {gaps.max() * 1000:.1f} ms")
    assert len(ticks) > 1000
    assert gaps.max() < 0.5 * min(calls)


def test_two_threads_compute_in_parallel(clips):
    """Two threads' CPU time adds up to more than the wall time: with the GIL held their
    compute could only alternate (sum of thread CPU <= wall). Measured with each thread's own
    CPU clock (mer's log-mel runs on the calling thread); three tries, since the machine is
    shared."""
    path = clips[2]  # 45 s, 44.1 kHz stereo MP3
    n = 6
    mer.features(path)

    def work(cpu, i):
        c0 = time.thread_time()
        for _ in range(n):
            mer.features(path)
        cpu[i] = time.thread_time() - c0

    ratios = []
    for attempt in range(3):
        c0 = time.thread_time()
        w0 = time.perf_counter()
        for _ in range(2 * n):
            mer.features(path)
        serial_wall = time.perf_counter() - w0
        serial_cpu = time.thread_time() - c0
        cpu = [0.0, 0.0]
        threads = [threading.Thread(target=work, args=(cpu, i)) for i in range(2)]
        w0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - w0
        ratio = sum(cpu) / wall
        ratios.append(ratio)
        print(f"\ntry {attempt + 1}: serial {2 * n} calls {serial_wall:.2f} s wall "
              f"({serial_cpu:.2f} s CPU); 2 threads x {n} calls {wall:.2f} s wall, thread CPU "
              f"{cpu[0]:.2f} + {cpu[1]:.2f} s = {ratio:.2f} x wall; speed-up "
              f"{serial_wall / wall:.2f}; load {os.getloadavg()[0]:.1f}")
        if ratio > 1.3:
            return
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 2) - 0.5:
        pytest.skip(f"no free core to show parallelism (load {load:.1f}); CPU/wall {ratios}")
    pytest.fail(f"threads did not run in parallel: thread CPU / wall = {ratios}")
