//! Errors of writing files; every one names the file.

use std::path::PathBuf;

/// Why a file was not written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The target exists and the policy is [`crate::Overwrite::Refuse`]. `more` counts further
    /// targets of the same run that exist too (see [`crate::refuse_existing`]).
    #[error("{}: already exists, not overwritten{}", path.display(), more_text(*more))]
    Exists {
        /// The first existing target.
        path: PathBuf,
        /// How many more targets exist.
        more: usize,
    },
    /// Two inputs of one run would write the same output file.
    #[error(
        "{} and {} would both write {}; give them different names or run them separately",
        first.display(),
        second.display(),
        output.display()
    )]
    SameOutput {
        /// The earlier input.
        first: PathBuf,
        /// The later input.
        second: PathBuf,
        /// The output both map to.
        output: PathBuf,
    },
    /// An input whose file name cannot make an output name (e.g. `..`).
    #[error("{}: no file name to name its output after", input.display())]
    NoFileName {
        /// The input.
        input: PathBuf,
    },
    /// Creating, writing, syncing or renaming failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The target file (or its folder).
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

fn more_text(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (nor is 1 more output that exists)".into(),
        n => format!(" (nor are {n} more outputs that exist)"),
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        let kind = match &e {
            Error::Exists { .. } => std::io::ErrorKind::AlreadyExists,
            Error::Io { source, .. } => source.kind(),
            _ => std::io::ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, e)
    }
}
