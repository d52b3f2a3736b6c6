//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while predicting, plotting or training the shipped models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// Audio could not be decoded (missing, empty, corrupt, unsupported file).
    #[error(transparent)]
    Audio(#[from] mer_audio::AudioError),
    /// The musicnn front end failed.
    #[error(transparent)]
    Musicnn(#[from] mer_musicnn::MusicnnError),
    /// A feature set could not be computed (mer-featureset).
    #[error(transparent)]
    FeatureSet(mer_featureset::FeatureSetError),
    /// A model file or the model itself failed.
    #[error("model {source_name}: {error}")]
    Model {
        /// The model file (or `<embedded default>`).
        source_name: String,
        /// What went wrong.
        error: mer_model::ModelError,
    },
    /// Features could not be computed from a file.
    #[error("{path}: computing features: {reason}")]
    Features {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A file gave no audio (or none in the requested interval).
    #[error("{path}: no audio{detail}")]
    NoAudio {
        /// The file.
        path: PathBuf,
        /// Interval details, if any.
        detail: String,
    },
    /// `--start/--end` are not a valid interval.
    #[error("invalid interval start {start:?} end {end:?}: {reason}")]
    BadInterval {
        /// Requested start, s.
        start: Option<f64>,
        /// Requested end, s.
        end: Option<f64>,
        /// Why it is invalid.
        reason: String,
    },
    /// A model needs features this crate does not know how to compute.
    #[error("model {source_name}: unknown input features {name:?} (known: {known})")]
    UnknownFeatures {
        /// The model file.
        source_name: String,
        /// The feature-set name in the model file.
        name: String,
        /// The names this build computes.
        known: String,
    },
    /// A model reads a known feature set, but another version of it than this build computes.
    #[error(
        "model {source_name}: reads features {name:?} version {found:?}; this build computes \
         version {expected:?} (retrain the model)"
    )]
    FeatureVersion {
        /// The model file.
        source_name: String,
        /// The feature-set name.
        name: String,
        /// The version in the model file.
        found: String,
        /// The version this build computes.
        expected: String,
    },
    /// An unknown output scale.
    #[error("unknown scale {0:?}; use -1..1, 1..9 or 0..1")]
    BadScale(String),
    /// Samples handed in memory are unusable.
    #[error("samples: {0}")]
    BadSamples(String),
    /// Writing an output file failed, or it exists and may not be overwritten (mer-io).
    #[error(transparent)]
    Output(#[from] mer_io::Error),
    /// Writing an output file (plot, report) failed.
    #[error("{path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A dataset could not be read for training.
    #[error(transparent)]
    Data(#[from] mer_data::DataError),
    /// Training or cross-validation failed.
    #[error("training: {0}")]
    Training(String),
}

/// Shorthand for this crate's results.
pub type Result<T, E = PredictError> = std::result::Result<T, E>;

impl From<mer_featureset::FeatureSetError> for PredictError {
    fn from(e: mer_featureset::FeatureSetError) -> Self {
        use mer_featureset::FeatureSetError as F;
        match e {
            F::Audio(a) => PredictError::Audio(a),
            F::Musicnn(m) => PredictError::Musicnn(m),
            F::Data(d) => PredictError::Data(d),
            other => PredictError::FeatureSet(other),
        }
    }
}
