"""Shared fixtures: the shared data folder and the `mer` command-line tool.

Both follow the Rust tests' rule (mer_audio::testdata): MER_DATA names the data folder
(default ../shared/data beside the repository); MER_REQUIRE_DATA=1 (as .ci/run sets it) turns
a missing folder -- or a missing `mer` binary -- into a failure instead of a skip. MER_BIN
names the binary (default: target/release/mer of the repository, or of $CARGO_TARGET_DIR).
"""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def _missing(what: str) -> None:
    if os.environ.get("MER_REQUIRE_DATA") == "1":
        pytest.fail(f"{what} (MER_REQUIRE_DATA=1)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def data() -> pathlib.Path:
    d = pathlib.Path(os.environ.get("MER_DATA", REPO.parent / "shared" / "data"))
    if not (d / "README.md").is_file():
        _missing(f"shared data not found at {d} (set MER_DATA)")
    return d


@pytest.fixture(scope="session")
def mer_bin() -> pathlib.Path:
    if "MER_BIN" in os.environ:
        b = pathlib.Path(os.environ["MER_BIN"])
    else:
        target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
        b = target / "release" / "mer"
    if not b.is_file():
        _missing(f"the mer binary is not at {b} (cargo build --release, or set MER_BIN)")
    return b


@pytest.fixture(scope="session")
def run_mer(mer_bin):
    """Runs `mer ARGS...` and returns its stdout; fails the test on a non-zero exit."""

    def run(*args) -> str:
        p = subprocess.run([str(mer_bin), *map(str, args)], capture_output=True, text=True)
        assert p.returncode == 0, f"mer {' '.join(map(str, args))}: {p.stderr}"
        return p.stdout

    return run


@pytest.fixture(scope="session")
def clips(data) -> list:
    """Six real clips: two 4Q (22.05 kHz mono MP3), two DEAM (44.1 kHz stereo MP3, 45 s) and
    the repository's example (examples/dd-groove.mp3), plus one MUSIFEAST-17 clip."""
    out = sorted((data / "4q" / "audio" / "Q1").glob("*.mp3"))[:1]
    out += sorted((data / "4q" / "audio" / "Q3").glob("*.mp3"))[:1]
    out += [data / "deam-sample" / "audio" / "10.mp3", data / "deam-sample" / "audio" / "2.mp3"]
    out += sorted((data / "musifeast17" / "stimuli").rglob("*.mp3"))[:1]
    out.append(REPO / "examples" / "dd-groove.mp3")
    for p in out:
        assert p.is_file(), p
    return out
