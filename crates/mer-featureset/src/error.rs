//! The crate's one error type.

/// Why a feature set could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureSetError {
    /// Audio could not be decoded.
    #[error(transparent)]
    Audio(#[from] mer_audio::AudioError),
    /// The log-mel front end failed.
    #[error(transparent)]
    Features(#[from] mer_features::FeatureError),
    /// musicnn failed (weights, input shape).
    #[error(transparent)]
    Musicnn(#[from] mer_musicnn::MusicnnError),
    /// openSMILE-style features failed.
    #[error(transparent)]
    Smile(#[from] mer_smile::SmileError),
    /// A dataset file (DEAM's published features) could not be read.
    #[error(transparent)]
    Data(#[from] mer_data::DataError),
    /// Samples in memory that no file could decode to (rate 0, NaN or infinite values), or
    /// that could not be resampled.
    #[error("bad samples: {0}")]
    BadSamples(String),
    /// A model file names a feature set (or version, or width) this build does not compute.
    #[error("{0}")]
    UnknownSpec(String),
    /// The set cannot be computed this way (e.g. `deam-opensmile` without its published file,
    /// or a 44.1 kHz set asked of 16 kHz samples).
    #[error("feature set {set}: {reason}")]
    NotComputable {
        /// The set's command-line name.
        set: &'static str,
        /// Why.
        reason: String,
    },
}

/// `Result` with [`FeatureSetError`].
pub type Result<T, E = FeatureSetError> = std::result::Result<T, E>;
