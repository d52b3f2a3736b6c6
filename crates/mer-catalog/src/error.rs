//! The crate's one error type: every variant names the file.

use std::path::PathBuf;

/// Why a catalog could not be opened, resumed, read or written. One bad *audio* file is never
/// an error here: it is a row with its `error` column set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The output's extension names no catalog format.
    #[error("{}: unknown catalog format {ext:?} (.csv, .jsonl or .parquet)", path.display())]
    UnknownFormat {
        /// The output.
        path: PathBuf,
        /// Its extension.
        ext: String,
    },
    /// The output exists and is not a catalog this command wrote (or was made with another
    /// model): it is left as it is.
    #[error("{}: {reason}", path.display())]
    NotOurs {
        /// The output.
        path: PathBuf,
        /// What it is, and what to do.
        reason: String,
    },
    /// A row of an existing catalog (not its last, which is repaired) does not parse.
    #[error("{}: row {row}: {reason}", path.display())]
    BadRow {
        /// The catalog file (or part).
        path: PathBuf,
        /// 1-based row number (line for CSV/JSONL, row for Parquet).
        row: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// An atomic write failed (or was refused: the file exists).
    #[error(transparent)]
    Write(#[from] mer_io::Error),
    /// Parquet could not be written or read.
    #[error("{}: {reason}", path.display())]
    Parquet {
        /// The part file.
        path: PathBuf,
        /// The parquet crate's message.
        reason: String,
    },
    /// No DIR to walk, or a DIR that does not exist.
    #[error("{}: {reason}", path.display())]
    BadInput {
        /// The DIR.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl CatalogError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CatalogError {
        let path = path.into();
        move |source| CatalogError::Io { path, source }
    }

    pub(crate) fn parquet<E: std::fmt::Display>(
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(E) -> CatalogError {
        let path = path.into();
        move |e| CatalogError::Parquet {
            path,
            reason: e.to_string(),
        }
    }
}

/// Result of this crate's operations.
pub type Result<T, E = CatalogError> = std::result::Result<T, E>;
