//! Where test data lives (for tests and benchmarks of every `mer` crate): the shared data
//! folder, and the small clips committed with this crate.

use std::path::PathBuf;

/// The shared, read-only data folder: `$MER_DATA` if set, else `../shared/data` beside the
/// repository. `None` (with a message on stderr) when it is not there, so tests can skip
/// loudly instead of failing or passing silently — unless `$MER_REQUIRE_DATA` is `1` (as
/// `.ci/run` sets it): then a missing folder panics, so a test never passes without the data
/// it tests.
pub fn shared_data() -> Option<PathBuf> {
    let dir = match std::env::var_os("MER_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    if require_data() {
        panic!(
            "shared data not found at {} and MER_REQUIRE_DATA=1 (set MER_DATA to the \
             shared/data folder)",
            dir.display()
        );
    }
    eprintln!(
        "skipping: shared data not found at {} (set MER_DATA to the shared/data folder)",
        dir.display()
    );
    None
}

/// Whether `$MER_REQUIRE_DATA` is `1`: tests must fail, not skip, without their data.
pub fn require_data() -> bool {
    std::env::var_os("MER_REQUIRE_DATA").is_some_and(|v| v == "1")
}

/// The folder of small audio clips committed with `mer-audio` (made by
/// `scripts/librosa_reference.sh`; see its header): tests that read them run anywhere.
pub fn clips_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clips")
}

/// A committed clip by file name (e.g. `deam10_32k_mono.mp3`). Panics if it is missing: the
/// clips are part of the repository, so a missing one is a broken checkout, not a skip.
pub fn clip(name: &str) -> PathBuf {
    let p = clips_dir().join(name);
    assert!(
        p.is_file(),
        "committed test clip {} is missing",
        p.display()
    );
    p
}

/// Offset of the first byte of the LAME tag's own CRC-16 (bytes 34–35 after `LAME`) in the
/// first 4 kB of an MP3 written by LAME, for tests that break the CRC as later tag edits do
/// (DEAM's files).
pub fn lame_tag_crc_offset(mp3: &[u8]) -> Option<usize> {
    let head = &mp3[..mp3.len().min(4096)];
    let at = head.windows(4).position(|w| w == b"LAME")?;
    (at + 35 < mp3.len()).then_some(at + 34)
}
