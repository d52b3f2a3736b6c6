//! The one error type of `mer-data`.

use std::path::PathBuf;

use crate::Problem;

/// Everything that can stop a dataset from loading or a cache entry from being used.
///
/// Each variant names the file it is about, so `mer` can print one line that the user can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file could not be written (mer-io).
    #[error(transparent)]
    Output(#[from] mer_io::Error),
    /// The folder the user named does not exist or is not a folder.
    #[error("{0}: not a folder")]
    NotADir(PathBuf),
    /// A file the format needs was not found anywhere below the dataset folder.
    #[error("{root}: no `{what}` found below this folder (looked for {looked_for})")]
    NotFound {
        /// The dataset folder that was searched.
        root: PathBuf,
        /// What was missing, e.g. "DEAM dynamic arousal annotations".
        what: String,
        /// The file or folder names that were looked for.
        looked_for: String,
    },
    /// A CSV whose header is not the one its publisher ships (wrong file, wrong delimiter).
    #[error("{path}:{line}: {message}")]
    BadHeader {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number of the header.
        line: u64,
        /// What was expected and what was found.
        message: String,
    },
    /// A file that is not valid CSV/JSON at all.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 when unknown).
        line: u64,
        /// The parser's message.
        message: String,
    },
    /// The dataset loaded, but with problems, and the caller did not ask to skip bad rows.
    #[error("{count} problem(s) in the dataset, first: {first}; pass --skip-bad to load the rest")]
    BadRows {
        /// How many problems were found.
        count: usize,
        /// The first problem, for the one-line message.
        first: Box<Problem>,
    },
    /// A split that cannot be made (k < 2, fold ≥ k, ids in a list that are not in the dataset).
    #[error("{0}")]
    BadSplit(String),
    /// The feature function failed for one audio file.
    #[error("{path}: computing features: {message}")]
    Compute {
        /// The audio file.
        path: PathBuf,
        /// The feature function's error, as text.
        message: String,
    },
    /// No cache folder: neither `MER_CACHE` nor a platform cache folder is known.
    #[error("no cache folder: set MER_CACHE")]
    NoCacheDir,
}

impl DataError {
    /// [`DataError::Compute`] for `path`. Errors of mer-audio and mer-features already start
    /// with the file (`path: …`); that prefix is dropped so the message names the file once.
    pub fn compute(path: &std::path::Path, error: impl std::fmt::Display) -> Self {
        let text = error.to_string();
        let prefix = format!("{}: ", path.display());
        let message = match text.strip_prefix(&prefix) {
            Some(rest) => rest.to_owned(),
            None => text,
        };
        DataError::Compute {
            path: path.to_path_buf(),
            message,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }
}
