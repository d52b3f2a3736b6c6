//! The one error type of `mer-model`.

use std::path::PathBuf;

/// Everything that can go wrong in `mer-model`: bad inputs, bad model files, I/O.
///
/// Variants carry the offending value (and the file, when there is one) so that the
/// message alone tells the user what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A model file does not start with the `MERMODEL` magic bytes.
    #[error("{path}: not a mer model file (bad magic bytes)")]
    BadMagic {
        /// The file (or `<bytes>` for in-memory data).
        path: PathBuf,
    },
    /// A model file written by a newer `mer` than this one.
    #[error(
        "{path}: model file format version {found} is newer than this mer understands (≤ {supported}); upgrade mer"
    )]
    FutureVersion {
        /// The file.
        path: PathBuf,
        /// The version written in the file.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A model file that is cut short or whose sections do not parse.
    #[error("{path}: corrupt model file: {reason}")]
    CorruptFile {
        /// The file.
        path: PathBuf,
        /// What did not parse.
        reason: String,
    },
    /// Writing a file failed, or it exists and may not be overwritten (mer-io).
    #[error(transparent)]
    Output(#[from] mer_io::Error),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A feature matrix whose length is not `n_frames × n_features`, or that holds NaN/inf.
    #[error("example {id:?}: {reason}")]
    BadExample {
        /// The example id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Inputs whose feature count does not match the model's.
    #[error("feature count mismatch: model expects {expected} features per frame, got {found}")]
    FeatureMismatch {
        /// The model's feature count.
        expected: usize,
        /// The input's feature count.
        found: usize,
    },
    /// A configuration value outside its valid range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Training stopped early on request (`TrainConfig::stop_after`); the checkpoint resumes it.
    #[error("training stopped after {epochs} epochs as requested; resume from the checkpoint")]
    Interrupted {
        /// Epochs run in this call.
        epochs: usize,
    },
    /// Training could not start (e.g. no labelled examples) or diverged (NaN loss).
    #[error("training failed: {0}")]
    Training(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
