//! Samples → features: the second stage of `mer`'s pipeline.
//!
//! The paper's raw feature (Malik et al. 2017) is the 40-band log mel-band energy. This crate
//! computes it exactly as librosa does (`librosa.feature.melspectrogram` with its defaults, then
//! `ln(x + 1e-10)`), streaming, and pools it to the 2 Hz rate of DEAM's annotations.
//!
//! - [`MelConfig`]: every setting, defaults from the paper and librosa.
//! - [`stft`]: centred, zero-padded, periodic-Hann short-time power spectra (realfft).
//! - [`mel`]: the Slaney mel filterbank of `librosa.filters.mel`.
//! - [`LogMel`]: streaming log-mel; [`log_mel_file`] for a whole file.
//! - [`pool`]: STFT-rate frames → 0.5 s frames (frame `k` covers `[0.5k, 0.5k + 0.5)` s).
//! - [`Matrix`] and [`output`]: `[frames, features]` matrices written as `.npy` or `.csv`.

mod error;
mod logmel;
mod matrix;
pub mod mel;
pub mod output;
pub mod pool;
pub mod stft;

pub use error::FeatureError;
pub use logmel::{
    LOG_FLOOR, LogMel, LogMelOutput, MelConfig, MelSpectrogram, log_mel, log_mel_file,
};
pub use matrix::Matrix;
pub use pool::{FRAME_HOP_S, frames_2hz, pool_2hz};
