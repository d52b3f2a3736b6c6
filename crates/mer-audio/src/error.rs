//! Errors of the audio stage. Every variant carries the path of the file it is about.

use std::path::PathBuf;

/// Why a file could not be turned into samples.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The file could not be opened (missing, a directory, no permission).
    #[error("{path}: cannot open: {io}")]
    Open { path: PathBuf, io: std::io::Error },
    /// The file has zero bytes.
    #[error("{path}: file is empty")]
    Empty { path: PathBuf },
    /// No container format recognised the bytes (random data, a text file, …).
    #[error("{path}: not a recognised audio file ({reason})")]
    UnknownFormat { path: PathBuf, reason: String },
    /// The container holds no audio track symphonia can decode.
    #[error("{path}: unsupported audio codec or no audio track ({reason})")]
    UnsupportedCodec { path: PathBuf, reason: String },
    /// The container was recognised but the stream holds no decodable samples.
    #[error("{path}: no audio samples could be decoded{}", detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    NoSamples {
        path: PathBuf,
        detail: Option<String>,
    },
    /// A read or decode failure in the middle of the stream that could not be skipped.
    #[error("{path}: decoding failed after {seconds:.2} s: {reason}")]
    Decode {
        path: PathBuf,
        seconds: f64,
        reason: String,
    },
    /// The sample rate or channel layout is not usable (e.g. rate 0).
    #[error("{path}: invalid stream parameters: {reason}")]
    InvalidStream { path: PathBuf, reason: String },
    /// The resampler could not be built for this rate pair.
    #[error("{path}: cannot resample {from} Hz to {to} Hz: {reason}")]
    Resample {
        path: PathBuf,
        from: u32,
        to: u32,
        reason: String,
    },
}

impl AudioError {
    /// The file this error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            AudioError::Open { path, .. }
            | AudioError::Empty { path }
            | AudioError::UnknownFormat { path, .. }
            | AudioError::UnsupportedCodec { path, .. }
            | AudioError::NoSamples { path, .. }
            | AudioError::Decode { path, .. }
            | AudioError::InvalidStream { path, .. }
            | AudioError::Resample { path, .. } => path,
        }
    }
}
