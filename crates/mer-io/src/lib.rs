//! Files out: every file `mer` writes — feature matrices, tables, plots, model files,
//! evaluation and experiment reports, feature-cache entries — goes through this crate.
//!
//! **Atomic.** [`AtomicFile`] writes into a temporary file created next to the target (same
//! folder, so the final rename never crosses file systems; a unique random name made with
//! `O_EXCL` by [`tempfile`], so two writers — threads or processes — never share one), then
//! flushes it, `fsync`s it, renames it over the target and `fsync`s the folder. A reader sees
//! the old file or the new one, never a half-written one; a crash or an error before the
//! rename leaves the old file as it was (and at worst a hidden `.NAME.XXXXXX.tmp` beside it
//! after a hard crash; an error or a panic removes it).
//!
//! **Nothing a user made is overwritten by surprise.** Every write states an [`Overwrite`]
//! policy. The `mer` commands write with [`Overwrite::Refuse`] unless the user passed
//! `--force`, and check all of a run's outputs with [`refuse_existing`] *before* any work;
//! the final rename is then `renameat2(RENAME_NOREPLACE)` (via
//! [`tempfile::NamedTempFile::persist_noclobber`]), so a file that appeared meanwhile is
//! still not replaced. Files that are mer's own working state (feature-cache entries,
//! training checkpoints) are written with [`Overwrite::Replace`].
//!
//! **One output per input.** [`OutputPlan`] maps many inputs to files in one output folder,
//! keeping each input's path relative to the folder the user named (`music/rock/x.mp3` →
//! `out/rock/x.npy`), and refuses, before any work, two inputs that would write one file.

mod atomic;
mod error;
mod plan;

pub use atomic::{AtomicFile, Overwrite, write_bytes, write_file};
pub use error::Error;
pub use plan::{OutputPlan, refuse_existing};

/// Result of this crate's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
