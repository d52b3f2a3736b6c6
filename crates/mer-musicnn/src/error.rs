//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong when loading musicnn or computing its outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MusicnnError {
    /// The weights file could not be read.
    #[error("cannot read musicnn weights {path}: {source}")]
    ReadWeights {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The weights do not fit the network (missing, unused or mis-shaped tensors).
    #[error("musicnn weights {origin} do not fit the network: {detail}")]
    Weights {
        /// Where the weights came from (a path, or "embedded").
        origin: String,
        /// What did not fit.
        detail: String,
    },
    /// A pretrained model was asked for as a network it does not run (e.g. `MSD_vgg` as
    /// [`Musicnn`](crate::Musicnn)).
    #[error("{model} is not a {expected:?} model")]
    Architecture {
        /// musicnn's name of the model.
        model: &'static str,
        /// The network it was asked for as.
        expected: crate::Architecture,
    },
    /// The audio is not at musicnn's sample rate.
    #[error("musicnn needs audio at {expected} Hz, got {got} Hz")]
    SampleRate {
        /// musicnn's rate (16000).
        expected: u32,
        /// The audio's rate.
        got: u32,
    },
    /// A log-mel input has the wrong number of bands, or a ragged length.
    #[error("musicnn needs {expected} mel bands, got an input of {got} values per frame")]
    MelBands {
        /// 96.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// The input holds a NaN or infinite value.
    #[error("musicnn input holds a non-finite value at frame {frame}")]
    NonFinite {
        /// The first bad frame.
        frame: usize,
    },
    /// A file gave no audio at all.
    #[error("{path}: no audio samples")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The mel front end failed (bad settings, unreadable audio).
    #[error(transparent)]
    Features(#[from] mer_features::FeatureError),
    /// The audio could not be decoded.
    #[error(transparent)]
    Audio(#[from] mer_audio::AudioError),
}
