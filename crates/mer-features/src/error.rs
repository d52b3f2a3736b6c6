//! Errors of the feature stage.

/// Why features could not be computed or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// The audio could not be read.
    #[error(transparent)]
    Audio(#[from] mer_audio::AudioError),
    /// A configuration value is out of range (name, value, why).
    #[error("invalid setting {name} = {value}: {reason}")]
    InvalidConfig {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    /// The output file could not be written (or exists and may not be overwritten).
    #[error(transparent)]
    Write(#[from] mer_io::Error),
}
