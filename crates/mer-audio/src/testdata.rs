//! Where the shared test data lives (for tests and benchmarks of every `mer` crate).

use std::path::PathBuf;

/// The shared, read-only data folder: `$MER_DATA` if set, else `../shared/data` beside the
/// repository. `None` (with a message on stderr) when it is not there, so tests can skip
/// loudly instead of failing or passing silently.
pub fn shared_data() -> Option<PathBuf> {
    let dir = match std::env::var_os("MER_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    if dir.join("README.md").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared data not found at {} (set MER_DATA to the shared/data folder)",
            dir.display()
        );
        None
    }
}
