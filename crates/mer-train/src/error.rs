//! The crate's one error type.

use std::path::PathBuf;

/// Why training, loading or cross-validating failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A dataset or the feature cache could not be read.
    #[error(transparent)]
    Data(#[from] mer_data::DataError),
    /// Audio could not be decoded.
    #[error(transparent)]
    Audio(#[from] mer_audio::AudioError),
    /// musicnn failed (weights, input).
    #[error(transparent)]
    Musicnn(#[from] mer_musicnn::MusicnnError),
    /// A feature set could not be computed.
    #[error(transparent)]
    FeatureSet(#[from] mer_featureset::FeatureSetError),
    /// Training or running a model failed.
    #[error(transparent)]
    Model(#[from] mer_model::ModelError),
    /// A model or report could not be written.
    #[error("{path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A recipe, a data set or a setting that cannot be trained on (the message says which).
    #[error("training: {0}")]
    Invalid(String),
}

/// `Result` with [`TrainError`].
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
