//! The one error type of `mer-smile`.

use std::path::PathBuf;

/// Why descriptors could not be computed or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmileError {
    /// The input holds fewer samples than one 60 ms pitch frame.
    #[error("audio too short: {samples} samples at {sample_rate} Hz (need at least {needed})")]
    TooShort {
        samples: usize,
        sample_rate: u32,
        needed: usize,
    },
    /// A sample rate openSMILE's ComParE configuration cannot use (below 16 kHz the 8 kHz
    /// mel filterbank would reach past Nyquist; 0 is meaningless).
    #[error("unsupported sample rate {0} Hz (need at least 16000 Hz)")]
    SampleRate(u32),
    /// The input holds NaN or infinite samples.
    #[error("audio holds a non-finite sample at index {index}")]
    NonFinite { index: usize },
    /// Writing an output file failed (or it exists and may not be overwritten).
    #[error(transparent)]
    Output(#[from] mer_io::Error),
    /// The audio file could not be read.
    #[error(transparent)]
    Audio(#[from] mer_audio::AudioError),
    /// Computing features of a file failed.
    #[error("{path}: {source}")]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<SmileError>,
    },
    /// The output path has an extension we do not write.
    #[error("{path}: unknown output format (use .csv or .npy)")]
    OutputFormat { path: PathBuf },
}
