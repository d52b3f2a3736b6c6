"""examples/ray_catalog.py on 50 real clips with a local Ray cluster (1 and 2 workers).

Skipped, with the reason, when `ray` cannot be imported (it is not a dependency of the package:
`pip install "ray[data]"`; `.ci/run` installs it only with MER_CI_RAY=1). Prints rows/s.
"""

import json
import os
import pathlib
import struct
import subprocess
import sys
import time

import pytest

import mer

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "ray_catalog.py"
COLUMNS = ["path", "duration_s", "arousal", "valence", "quadrant", "confidence", "model", "error"]

try:
    import pyarrow.parquet as pq
    import ray  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    print(f"\ntest_ray: skipped: ray cannot be imported ({e}); pip install 'ray[data]'",
          file=sys.stderr)
    pytest.skip(f"ray cannot be imported: {e}", allow_module_level=True)


@pytest.fixture(scope="module")
def library(data, tmp_path_factory):
    """50 4Q clips (12-13 per quadrant) linked into nested folders, and one broken file."""
    root = tmp_path_factory.mktemp("library")
    for q in ("Q1", "Q2", "Q3", "Q4"):
        clips = sorted((data / "4q" / "audio" / q).glob("*.mp3"))[: 13 if q in ("Q1", "Q2") else 12]
        (root / q / "sub").mkdir(parents=True)
        for i, c in enumerate(clips):
            (root / q / ("sub" if i % 2 else "") / c.name).symlink_to(c)
    # A WAV header whose data chunk holds no samples: found as audio, fails to decode.
    header = (b"RIFF" + struct.pack("<I", 1036) + b"WAVEfmt "
              + struct.pack("<IHHIIHH", 16, 1, 1, 22050, 44100, 2, 16)
              + b"data" + struct.pack("<I", 1000))
    (root / "Q4" / "broken.wav").write_bytes(header)
    return root


@pytest.mark.parametrize("workers", [1, 2])
def test_ray_catalog_matches_mer(library, tmp_path, workers):
    out = tmp_path / "catalog.parquet"
    p = subprocess.run(
        [sys.executable, str(EXAMPLE), str(library), "-o", str(out), "--model", "fast",
         "--workers", str(workers)],
        capture_output=True, text=True, timeout=600,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    stats = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"\nray_catalog --workers {workers}: {stats}")
    t = pq.read_table(out)
    assert t.column_names == COLUMNS
    rows = {r["path"]: r for r in t.to_pylist()}
    assert len(rows) == t.num_rows == stats["rows"] == 51
    assert stats["errors"] == 1
    bad = rows["Q4/broken.wav"]
    assert "broken.wav" in bad["error"] and bad["arousal"] is None
    # Every other row is what mer.Predictor gives for the file.
    files = mer.audio_files(library, by_content=True)
    assert len(files) == 51
    t0 = time.perf_counter()
    expected = mer.Predictor("fast").predict_many([f for f, _ in files], threads=workers)
    print(f"in-process Predictor.predict_many(threads={workers}): "
          f"{len(files) / (time.perf_counter() - t0):.2f} rows/s")
    for (f, rel), e in zip(files, expected):
        r = rows[pathlib.Path(rel).as_posix()]
        assert r["model"] == "fast"
        if "error" in e:
            assert r["error"]
            continue
        assert r["error"] == ""
        assert f"Q{r['quadrant']}" == e["quadrant"]
        assert r["duration_s"] == e["duration_s"]
        for k in ("arousal", "valence", "confidence"):
            assert abs(r[k] - e[k]) < 1e-6, (rel, k)
