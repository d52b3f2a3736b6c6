//! The crate's one error type.

use std::path::PathBuf;

/// What can go wrong in an experiment. Each variant names the file or run and the bad value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// An experiment file (or a run file) that does not parse or makes no sense.
    #[error("{}: {reason}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The data does not fit the protocol (e.g. no DEAM song 2001–2058 for MediaEval 2015).
    #[error("protocol {protocol}: {reason}")]
    Protocol {
        /// The protocol.
        protocol: String,
        /// What is missing.
        reason: String,
    },
    /// Training or prediction failed.
    #[error(transparent)]
    Model(#[from] mer_model::ModelError),
    /// Writing an output failed.
    #[error(transparent)]
    Write(#[from] mer_io::Error),
    /// A figure could not be drawn.
    #[error("figure {name}: {reason}")]
    Figure {
        /// The figure.
        name: String,
        /// Why.
        reason: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
