"""The type stubs (mer.pyi) describe the compiled module: mypy's stubtest compares every
name, signature and default with the module at run time. Skipped when mypy is not installed
(`.ci/run` installs it)."""

import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def test_stubs_match_the_module(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (pip install mypy)")
    p = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "mer",
         "--allowlist", str(HERE / "stubtest_allowlist.txt"),
         "--mypy-config-file", str(tmp_path / "none.ini")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert p.returncode == 0, p.stdout + p.stderr
