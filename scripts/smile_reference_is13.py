#!/usr/bin/env python3
"""IS13_ComParE reference fixtures for crates/mer-smile (the `Config::Is13ComParE` variant).

Run through the wrapper, which creates the pinned venv first:

    bash scripts/smile_reference_is13.sh

Reads the 16-bit WAV excerpts already committed in crates/mer-smile/tests/fixtures (made by
scripts/smile_reference.py; see manifest.tsv), runs openSMILE with the `IS13_ComParE`
configuration at the LLD (`lld`) and delta (`lld_de`) levels, and writes
`<name>.is13.lld.npy` / `<name>.is13.lld_de.npy` (float32, [frames, 65]) plus the column names.

The configuration is the one shipped inside the pinned `opensmile` wheel
(`opensmile/core/config/is09-13/IS13_ComParE.conf` and its includes). It is checked here by
SHA-256 before use. Provenance: its `IS13_ComParE_core.lld.conf.inc` and
`IS13_ComParE_core.func.conf.inc` and the `shared/BufferMode*.conf.inc` /
`FrameModeFunctionals.conf.inc` files are byte-identical to audeering/opensmile tag v3.0.0
(commit 810cb37377deed6e0ea41564d1b51e60317ca25d, `config/is09-13/`, `config/shared/`); the
top-level `IS13_ComParE.conf` differs from the repository's only in its two include lines
(`\\{\\cm[source{?}...]}` / `\\{\\cm[sink{?}...]}`, the wheel's external source and sink
instead of `standard_wave_input.conf.inc` / `standard_data_output.conf.inc`). The LLD settings
equal those of openSMILE 2.1.0's monolithic `config/IS13_ComParE.conf` (Dec 2014, the version
MediaEval 2015 / DEAM used); see crates/mer-smile/REPORT.md for the setting-by-setting list.
The config files themselves are not committed (openSMILE's licence); the wheel is pinned.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import opensmile

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "mer-smile" / "tests" / "fixtures"
CONFIG = Path(opensmile.__file__).resolve().parent / "core" / "config"

# SHA-256 of the wheel's config files this script relies on (opensmile==2.6.0).
PINNED = {
    "is09-13/IS13_ComParE.conf": "7c7194f62c3a84c02f967628f4137a3abd39800f9c445e0aaf41fce660287605",
    "is09-13/IS13_ComParE_core.lld.conf.inc": "5c4af86d06b6529fee177939167ad2d6738029b52bd6bab75c7795194a93443a",
    "is09-13/IS13_ComParE_core.func.conf.inc": "a5d467afabd45054ff8dc760884c79764c32ea3a7fab1881e4e07b2396c16ce6",
    "shared/BufferModeRb.conf.inc": "ea9fa31166fef969d7d7c77e8c545994ce9f04238ace225ba4d068d982ea3ac8",
    "shared/BufferModeRbLag.conf.inc": "5f91c78aca4b1b167750806d7e730a0419626977f6d86704451a92a5f3fa1110",
    "shared/BufferMode.conf.inc": "cada3a58949ec8c7bd1a76900da58fad507b49f87c847064722ad301448d18dd",
    "shared/FrameModeFunctionals.conf.inc": "fcf898b98f3a424135c1325c3acd18326606bb56887dabc76878c8102a3e23db",
}


def check_config() -> Path:
    for rel, want in PINNED.items():
        got = hashlib.sha256((CONFIG / rel).read_bytes()).hexdigest()
        if got != want:
            raise SystemExit(f"{CONFIG / rel}: sha256 {got}, expected {want} (wrong opensmile?)")
    return CONFIG / "is09-13" / "IS13_ComParE.conf"


def clips() -> list[str]:
    lines = (FIXTURES / "manifest.tsv").read_text().splitlines()[1:]
    return [line.split("\t")[0] for line in lines if line.strip()]


def main() -> None:
    conf = str(check_config())
    lld_smile = opensmile.Smile(feature_set=conf, feature_level="lld")
    de_smile = opensmile.Smile(feature_set=conf, feature_level="lld_de")
    for name in clips():
        wav = FIXTURES / f"{name}.wav"
        lld = lld_smile.process_file(str(wav))
        de = de_smile.process_file(str(wav))
        lld_np = np.ascontiguousarray(lld.to_numpy(dtype=np.float32))
        de_np = np.ascontiguousarray(de.to_numpy(dtype=np.float32))
        assert lld_np.shape[1] == 65 and de_np.shape[1] == 65, (lld_np.shape, de_np.shape)
        np.save(FIXTURES / f"{name}.is13.lld.npy", lld_np)
        np.save(FIXTURES / f"{name}.is13.lld_de.npy", de_np)
        (FIXTURES / "is13_lld_names.txt").write_text("\n".join(lld.columns) + "\n")
        (FIXTURES / "is13_lld_de_names.txt").write_text("\n".join(de.columns) + "\n")
        print(name, lld_np.shape, file=sys.stderr)
    (FIXTURES / "VERSIONS_IS13.txt").write_text(
        f"opensmile=={opensmile.__version__}\nnumpy=={np.__version__}\n"
        "feature set: IS13_ComParE.conf of the wheel (levels lld, lld_de); sha256:\n"
        + "".join(f"  {h}  {rel}\n" for rel, h in PINNED.items())
    )


if __name__ == "__main__":
    main()
